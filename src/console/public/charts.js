// Time-series charts with uPlot (canvas; draws tens of thousands of points quickly).
import uPlot from 'uplot';
import { useEffect, useRef } from 'preact/hooks';
import { html } from '/console/html.js';

export const SEVERITY_COLOURS = {
  error: '#c62828',
  warning: '#b26a00',
  info: '#1565c0',
  none: '#5f6b7a',
};
export const LATE_COLOUR = '#8e24aa';

/** Width of a chart's container, tracked so charts fit a phone as well as a desktop. */
function useWidth(ref, onWidth) {
  useEffect(() => {
    const observer = new ResizeObserver(([entry]) =>
      onWidth(Math.max(280, Math.floor(entry.contentRect.width))),
    );
    observer.observe(ref.current);
    return () => observer.disconnect();
  }, []);
}

/** A uPlot chart in a container; rebuilt when `data` or `options` change identity. */
export function Chart({ options, data, label, onReady }) {
  const box = useRef();
  const plot = useRef();
  useEffect(() => {
    const width = Math.max(280, box.current.clientWidth);
    plot.current = new uPlot({ ...options, width }, data, box.current);
    onReady?.(plot.current);
    return () => plot.current.destroy();
  }, [options, data]);
  useWidth(box, (width) => plot.current?.setSize({ width, height: options.height }));
  return html`<div class="chart" ref=${box} role="img" aria-label=${label}></div>`;
}

/** Options of a line chart of measurement series (e.g. SNR) over provider time. */
export function seriesChartOptions(names) {
  const colours = ['#1565c0', '#2e7d32', '#b26a00', '#8e24aa'];
  return {
    height: 220,
    scales: { x: { time: true } },
    axes: [{ label: 'provider time (UTC)' }, { label: names.join(', ') }],
    series: [
      { label: 'time' },
      ...names.map((name, i) => ({
        label: name,
        stroke: colours[i % colours.length],
        width: 2,
        points: { show: true, size: 7 },
        spanGaps: true,
      })),
    ],
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
  };
}
