import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from 'chart.js'
import { useEffect, useRef } from 'preact/hooks'
import { formatNumber } from './format.js'

Chart.register(BarController, BarElement, LineController, LineElement, PointElement, CategoryScale, LinearScale, Tooltip, Legend)

/** Distinguishable on white, and in order of contrast (the first series get the strongest). */
const PALETTE = ['#1d4ed8', '#c2410c', '#15803d', '#7e22ce', '#b91c1c', '#0e7490', '#a16207', '#be185d', '#4d7c0f', '#475569']
export const seriesColor = (index: number): string => PALETTE[index % PALETTE.length]!

export interface Series {
  label: string
  values: number[]
  /** Default: the palette's colour for the series' position. */
  color?: string
}

/** Failures in warm colours, successes in cool ones, so errors stand out in a stacked chart. */
export const FAILURE_COLORS = ['#b91c1c', '#c2410c', '#a16207', '#be185d', '#7f1d1d']
export const SUCCESS_COLORS = ['#1d4ed8', '#15803d', '#0e7490', '#7e22ce', '#475569']

/**
 * Stacked bars or lines over labelled windows (Chart.js on a canvas). A canvas says nothing to a
 * screen reader: every chart in the console has a table of the same numbers beside it.
 */
export function SeriesChart(props: {
  kind: 'bar' | 'line'
  labels: string[]
  series: Series[]
  description: string
  unit?: string
  height?: number
}) {
  const canvas = useRef<HTMLCanvasElement>(null)
  useEffect(() => {
    if (!canvas.current) return
    const chart = new Chart(canvas.current, {
      type: props.kind,
      data: {
        labels: props.labels,
        datasets: props.series.map((s, i) => ({
          label: s.label,
          data: s.values,
          backgroundColor: s.color ?? seriesColor(i),
          borderColor: s.color ?? seriesColor(i),
          borderWidth: props.kind === 'line' ? 2 : 0,
          pointRadius: props.kind === 'line' ? 2 : 0,
          tension: 0,
        })),
      },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        interaction: { mode: 'index', intersect: false },
        scales: {
          x: { stacked: props.kind === 'bar', grid: { display: false } },
          y: {
            stacked: props.kind === 'bar',
            beginAtZero: true,
            ticks: { callback: (value) => formatNumber(Number(value)), precision: 0 },
            ...(props.unit ? { title: { display: true, text: props.unit } } : {}),
          },
        },
        plugins: {
          legend: { position: 'bottom', labels: { boxWidth: 12 } },
          tooltip: { callbacks: { label: (item) => `${item.dataset.label ?? ''}: ${formatNumber(Number(item.raw))}` } },
        },
      },
    })
    return () => chart.destroy()
  }, [props.kind, props.labels, props.series, props.unit])
  return (
    <div class="chart" style={{ height: `${props.height ?? 280}px` }}>
      <canvas ref={canvas} role="img" aria-label={props.description} />
    </div>
  )
}
