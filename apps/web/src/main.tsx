import { render } from 'preact'
import { App } from './app.tsx'
import { registerServiceWorker } from './pwa/register-service-worker.ts'
import './styles.css'

registerServiceWorker()
render(<App />, document.getElementById('app')!)
