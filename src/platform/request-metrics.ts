import type { Metric, Registry } from 'prom-client'

const BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5]
const LABELS = ['route', 'method', 'status']

type Labels = { route: string; method: string; status: string }
type Series = { labels: Labels; count: number; sum: number; perBucket: Float64Array }
type Sample = { value: number; labels: Record<string, string | number>; metricName?: string }

/**
 * The request counter and latency histogram, as prom-client renders them (same names, labels and buckets as its
 * Counter and Histogram), counted here because they are touched on every request: prom-client validates and hashes
 * the labels on each observe(), which cost more than the rest of the metrics work together. Each series keeps plain
 * numbers; the cumulative buckets are built when /metrics is read.
 */
export function registerRequestMetrics(registry: Registry) {
  const series = new Map<string, Series>()

  function seriesOf(route: string, method: string, status: number): Series {
    const key = `${status} ${method} ${route}`
    let found = series.get(key)
    if (found === undefined) {
      found = { labels: { route, method, status: String(status) }, count: 0, sum: 0, perBucket: new Float64Array(BUCKETS.length) }
      series.set(key, found)
    }
    return found
  }

  function histogramSamples(): Sample[] {
    const samples: Sample[] = []
    for (const { labels, count, sum, perBucket } of series.values()) {
      let cumulative = 0
      BUCKETS.forEach((le, i) => {
        cumulative += perBucket[i] ?? 0
        samples.push({ value: cumulative, labels: { ...labels, le }, metricName: 'http_request_duration_seconds_bucket' })
      })
      samples.push({ value: count, labels: { ...labels, le: '+Inf' }, metricName: 'http_request_duration_seconds_bucket' })
      samples.push({ value: sum, labels, metricName: 'http_request_duration_seconds_sum' })
      samples.push({ value: count, labels, metricName: 'http_request_duration_seconds_count' })
    }
    return samples
  }

  const metric = (name: string, help: string, type: 'counter' | 'histogram', values: () => Sample[]) => ({
    name, help, type, labelNames: LABELS, aggregator: 'sum',
    get: async () => ({ name, help, type, aggregator: 'sum', values: values() }),
    reset: () => series.clear(),
  })
  registry.registerMetric(metric('http_requests_total', 'HTTP requests by route, method and status', 'counter',
    () => [...series.values()].map(({ labels, count }) => ({ value: count, labels }))) as unknown as Metric)
  registry.registerMetric(metric('http_request_duration_seconds', 'HTTP request latency by route, method and status', 'histogram',
    histogramSamples) as unknown as Metric)

  return {
    observe(route: string, method: string, status: number, seconds: number): void {
      const found = seriesOf(route, method, status)
      found.count += 1
      found.sum += seconds
      const bucket = BUCKETS.findIndex((le) => seconds <= le)
      if (bucket !== -1) found.perBucket[bucket] = (found.perBucket[bucket] ?? 0) + 1
    },
  }
}
