// A session's timeline on a time axis: one mark per event at its provider time, one lane per event type,
// coloured by severity; events that arrived after a later event are ringed, with a dashed line to when
// they were received.
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { Chart, LATE_COLOUR, SEVERITY_COLOURS } from '/console/charts.js';
import { duration, severityOf, time } from '/console/format.js';
import { html } from '/console/html.js';
import uPlot from 'uplot';

const BUCKETS = ['error', 'warning', 'info', 'none'];
const BUCKET_LABELS = { error: 'error', warning: 'warning', info: 'info', none: 'no severity' };

/**
 * Marks each event that is late: received after an event whose provider time is later (it arrived out
 * of order). `events` are in the timeline's order (provider time).
 */
export function markLate(events) {
  let earliestLater = Infinity;
  const late = new Array(events.length);
  for (let i = events.length - 1; i >= 0; i--) {
    const received = Date.parse(events[i].receivedAt);
    late[i] = received > earliestLater;
    earliestLater = Math.min(earliestLater, received);
  }
  return late;
}

function chartData(events, late, lanes) {
  const laneOf = new Map(lanes.map((t, i) => [t, i]));
  const x = new Float64Array(events.length);
  const bySeverity = BUCKETS.map(() => new Array(events.length).fill(null));
  const lateMarks = new Array(events.length).fill(null);
  events.forEach((e, i) => {
    x[i] = Date.parse(e.occurredAt) / 1000;
    const lane = laneOf.get(e.type);
    bySeverity[BUCKETS.indexOf(severityOf(e))][i] = lane;
    if (late[i]) lateMarks[i] = lane;
  });
  return [x, ...bySeverity, lateMarks];
}

function timelineOptions(lanes, events, late, onPick) {
  const dot = (colour) => ({ show: true, size: 9, width: 1, stroke: colour, fill: colour });
  const narrow = matchMedia('(max-width: 640px)').matches;
  // On a phone, type names are cut short; the axis is as wide as its longest label (measured in its font).
  const laneLabel = (l) => (narrow && l.length > 12 ? `${l.slice(0, 11)}…` : l);
  const axisSize = (u, values, axisIdx, cycleNum) => {
    const axis = u.axes[axisIdx];
    if (cycleNum > 1) return axis._size;
    const longest = (values ?? []).reduce((a, v) => (v.length > a.length ? v : a), '');
    u.ctx.font = axis.font[0];
    return Math.ceil(axis.ticks.size + axis.gap + u.ctx.measureText(longest).width / devicePixelRatio) + 12;
  };
  return {
    height: Math.max(180, lanes.length * 24 + 70),
    legend: { live: false },
    scales: { x: { time: true }, y: { range: [-0.5, lanes.length - 0.5] } },
    axes: [
      { label: 'provider time (UTC)' },
      {
        size: axisSize,
        splits: () => lanes.map((_, i) => i),
        values: (_u, splits) => splits.map((i) => (lanes[i] === undefined ? '' : laneLabel(lanes[i]))),
        grid: { stroke: '#e3e7ec' },
      },
    ],
    series: [
      { label: 'provider time' },
      ...BUCKETS.map((b) => ({
        label: BUCKET_LABELS[b],
        stroke: SEVERITY_COLOURS[b],
        paths: () => null,
        points: dot(SEVERITY_COLOURS[b]),
      })),
      {
        label: 'late (arrived after a later event)',
        stroke: LATE_COLOUR,
        paths: () => null,
        points: { show: true, size: 17, width: 2.5, stroke: LATE_COLOUR, fill: 'rgba(0,0,0,0)' },
      },
    ],
    cursor: { drag: { x: true, y: false }, points: { show: false } },
    tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
    hooks: {
      draw: [
        (u) => {
          // Dashed line from the provider time of each late event to the time it was received.
          const { ctx } = u;
          ctx.save();
          ctx.beginPath();
          ctx.rect(u.bbox.left, u.bbox.top, u.bbox.width, u.bbox.height);
          ctx.clip();
          ctx.strokeStyle = LATE_COLOUR;
          ctx.lineWidth = 2 * devicePixelRatio;
          ctx.setLineDash([6 * devicePixelRatio, 4 * devicePixelRatio]);
          events.forEach((e, i) => {
            if (!late[i]) return;
            const y = u.valToPos(lanes.indexOf(e.type), 'y', true);
            ctx.beginPath();
            ctx.moveTo(u.valToPos(Date.parse(e.occurredAt) / 1000, 'x', true), y);
            ctx.lineTo(u.valToPos(Date.parse(e.receivedAt) / 1000, 'x', true), y);
            ctx.stroke();
          });
          ctx.restore();
        },
      ],
      setCursor: [(u) => u.cursor.idx != null && onPick(u.cursor.idx, false)],
    },
  };
}

const ROW = 34;
const VISIBLE_ROWS = 12;

/** The events as a list that renders only the rows in view (a session may have tens of thousands). */
function EventList({ events, late, selected, onSelect }) {
  const [top, setTop] = useState(0);
  const box = useRef();
  const first = Math.max(0, Math.floor(top / ROW) - 4);
  const last = Math.min(events.length, first + VISIBLE_ROWS + 8);
  useEffect(() => {
    // Keep the selected event in view when it is picked on the chart.
    if (selected == null || !box.current) return;
    const y = selected * ROW;
    if (y < box.current.scrollTop || y > box.current.scrollTop + ROW * (VISIBLE_ROWS - 1))
      box.current.scrollTop = y - ROW * 2;
  }, [selected]);
  const rows = [];
  for (let i = first; i < last; i++) {
    const e = events[i];
    const sev = severityOf(e);
    rows.push(
      html`<li key=${e.id} style=${`top:${i * ROW}px`} class=${i === selected ? 'selected' : ''}>
        <button type="button" aria-pressed=${i === selected} onClick=${() => onSelect(i)}>
          <span class="dot ${sev}" aria-hidden="true"></span>
          <span class="t"
            ><span class="d">${time(e.occurredAt).slice(0, 11)}</span>${time(e.occurredAt).slice(11)}</span
          >
          <span class="ty">${e.type}</span>
          <span class="sev">${e.severity ?? ''}</span>
          ${late[i] && html`<span class="late-tag">late</span>`}
        </button>
      </li>`,
    );
  }
  return html`<div
    class="vlist"
    ref=${box}
    style=${`height:${ROW * Math.min(VISIBLE_ROWS, Math.max(events.length, 1))}px`}
    onScroll=${(e) => setTop(e.currentTarget.scrollTop)}
  >
    <ol aria-label="Events in provider-time order" style=${`height:${events.length * ROW}px`}>
      ${rows}
    </ol>
  </div>`;
}

function EventDetail({ event, late }) {
  if (!event)
    return html`<p class="hint">
      Hover a mark to see its event, click to keep it; or pick one in the list.
    </p>`;
  const lag = Date.parse(event.receivedAt) - Date.parse(event.occurredAt);
  return html`<section class="detail" aria-live="polite" aria-label="Selected event">
    <h3>
      ${event.type}
      <span class="pill ${severityOf(event)}">${event.severity ?? 'no severity'}</span>
      ${late && html`<span class="late-tag">arrived late</span>`}
    </h3>
    <dl>
      <dt>Provider time</dt>
      <dd>${time(event.occurredAt)}</dd>
      <dt>Received</dt>
      <dd>${time(event.receivedAt)} (${lag >= 0 ? '+' : '−'}${duration(Math.abs(lag))})</dd>
      ${
        event.sequence != null &&
        html`<dt>Sequence</dt>
          <dd>${event.sequence}</dd>`
      }
      ${
        event.measurement &&
        html`<dt>Measurement</dt>
          <dd>${event.measurement.externalId}</dd>`
      }
      ${
        event.recording &&
        html`<dt>Recording</dt>
          <dd>${event.recording.externalId}</dd>`
      }
    </dl>
    <pre class="json" tabindex="0" aria-label="Payload">${JSON.stringify(event.payload, null, 2)}</pre>
  </section>`;
}

export function Timeline({ events }) {
  const [selected, setSelected] = useState(null);
  const pinned = useRef(false);
  const late = useMemo(() => markLate(events), [events]);
  const lanes = useMemo(() => [...new Set(events.map((e) => e.type))], [events]);
  const lanesKey = lanes.join('\n');
  const pick = useRef();
  pick.current = (i, pin) => {
    if (pin) pinned.current = true;
    if (pin || !pinned.current) setSelected(i);
  };
  const data = useMemo(() => chartData(events, late, lanes), [events, late, lanesKey]);
  const options = useMemo(
    () => timelineOptions(lanes, events, late, (i, pin) => pick.current(i, pin)),
    [lanesKey, events, late],
  );
  const onReady = (u) =>
    u.over.addEventListener('click', () => u.cursor.idx != null && pick.current(u.cursor.idx, true));
  const lateCount = late.filter(Boolean).length;
  return html`
    <div class="timeline">
      <p class="hint">Drag across the chart to zoom in, double-click to zoom out.</p>
      <${Chart}
        options=${options}
        data=${data}
        onReady=${onReady}
        label=${`Timeline of ${events.length} events on a time axis, one lane per event type${lateCount ? `, ${lateCount} arrived late` : ''}`}
      />
      <div class="timeline-body">
        <${EventList}
          events=${events}
          late=${late}
          selected=${selected}
          onSelect=${(i) => pick.current(i, true)}
        />
        <${EventDetail} event=${events[selected]} late=${late[selected]} />
      </div>
    </div>
  `;
}
