// Prometheus metrics of one node, on a registry of its own (several servers may share a process in tests).
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client'

/**
 * A counter bumped once per message: `inc` adds to a plain number, which the Prometheus counter
 * takes in when it is read (prom-client's own inc allocates and checks its labels on every call).
 */
export class HotCounter {
  #pending = 0
  constructor(name: string, help: string, registry: Registry) {
    const take = (): number => {
      const n = this.#pending
      this.#pending = 0
      return n
    }
    new Counter({
      name,
      help,
      registers: [registry],
      collect(this: Counter) {
        const n = take()
        if (n > 0) this.inc(n)
      },
    })
  }

  inc(n = 1): void {
    this.#pending += n
  }
}

/**
 * A gauge moved once per connection (a reconnect storm moves it tens of thousands of times):
 * `inc`/`dec` change a plain number, which the Prometheus gauge takes when it is read.
 */
export class HotGauge {
  #value = 0
  constructor(name: string, help: string, registry: Registry) {
    const value = (): number => this.#value
    new Gauge({
      name,
      help,
      registers: [registry],
      collect(this: Gauge) {
        this.set(value())
      },
    })
  }

  inc(): void {
    this.#value++
  }

  dec(): void {
    this.#value--
  }
}

export class Metrics {
  readonly registry = new Registry()
  readonly accepted = new HotCounter('candor_messages_accepted_total', 'messages durably stored', this.registry)
  readonly delivered = new HotCounter('candor_deliveries_pushed_total', 'deliver frames pushed', this.registry)
  readonly rejected = new Counter({
    name: 'candor_requests_rejected_total',
    help: 'requests refused, by error code',
    labelNames: ['code'],
    registers: [this.registry],
  })
  /** Queue rows that could not be encoded into a deliver frame and were taken out of a device's queue. */
  readonly rowsSetAside = new Counter({
    name: 'candor_queue_rows_set_aside_total',
    help: 'queue rows that could not be encoded into a deliver frame, removed from the device queue so later rows flow',
    registers: [this.registry],
  })
  readonly deliveryFailures = new Counter({
    name: 'candor_delivery_failures_total',
    help: 'delivery steps that failed without stopping later ones: encode (a stored message whose frame cannot be built), publish (the bus threw), flush (anything else)',
    labelNames: ['stage'],
    registers: [this.registry],
  })
  readonly connectionsClosed = new Counter({
    name: 'candor_connections_closed_total',
    help: 'delivery sockets the server closed, by reason: a session end (revoked, suspended, erased, expired) or a refusal (auth_required, auth_timeout, an error code, unknown_acks)',
    labelNames: ['reason'],
    registers: [this.registry],
  })
  readonly connections = new HotGauge('candor_connections', 'open device connections', this.registry)

  constructor(defaults = false) {
    if (defaults) collectDefaultMetrics({ register: this.registry })
  }
}
