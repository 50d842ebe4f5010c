export { runBench } from './main.ts'
