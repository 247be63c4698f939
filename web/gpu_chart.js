// The live GPU chart: the `gpu` samples of a job's events (utilisation, memory, temperature, power) over time,
// drawn as inline SVG, one small chart per series. Defines the one global `ffGpuChart`.
"use strict";

const ffGpuChart = (() => {
  const SVG = "http://www.w3.org/2000/svg";
  const WIDTH = 480;
  const HEIGHT = 56;
  const MAX_POINTS = 3600;  // an hour of 1 Hz samples; older points are dropped beyond it

  // The series: the sample field, its label and unit, and its axis top (null: the largest value seen, plus room).
  const SERIES = [
    { field: "util_pct", label: "Utilisation", unit: "%", top: 100 },
    { field: "mem_used_mib", label: "Memory", unit: "MiB", top: null },
    { field: "temp_c", label: "Temperature", unit: "°C", top: 100 },
    { field: "power_w", label: "Power", unit: "W", top: null },
  ];

  // Returns a new SVG element `name` with `attributes` ({name: value}).
  function svgElement(name, attributes) {
    const element = document.createElementNS(SVG, name);
    for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, String(value));
    return element;
  }

  // Returns the reading `field` of `sample` as a number, or null where the GPU does not report it (null, absent).
  function reading(sample, field) {
    const value = sample[field];
    return typeof value === "number" && Number.isFinite(value) ? value : null;
  }

  // Returns the <svg> of one series over `points` ({t, sample}); `span` is the time axis length in seconds.
  function seriesChart(series, points, span) {
    const values = points.map((p) => reading(p.sample, series.field)).filter((v) => v !== null);
    const top = series.top ?? Math.max(1, ...values) * 1.15;
    const svg = svgElement("svg", {
      viewBox: `0 0 ${WIDTH} ${HEIGHT}`, width: "100%", height: HEIGHT, preserveAspectRatio: "none",
      class: "gpu-series", "data-series": series.field, "aria-hidden": "true",
    });
    svg.append(svgElement("rect", { x: 0, y: 0, width: WIDTH, height: HEIGHT, class: "gpu-frame" }));
    const coordinates = points
      .filter((p) => reading(p.sample, series.field) !== null)
      .map((p) => {
        const x = span > 0 ? (p.t / span) * WIDTH : WIDTH;
        const y = HEIGHT - (Math.min(reading(p.sample, series.field), top) / top) * (HEIGHT - 4) - 2;
        return `${x.toFixed(1)},${y.toFixed(1)}`;
      });
    if (coordinates.length === 1) coordinates.unshift(coordinates[0].replace(/^[^,]+/, "0"));
    svg.append(svgElement("polyline", { points: coordinates.join(" "), class: "gpu-line" }));
    return svg;
  }

  // Formats the latest value of a series: "87 %", "10240 MiB", or "–" when the sample lacks it.
  function latestText(series, points) {
    for (let i = points.length - 1; i >= 0; i--) {
      const value = reading(points[i].sample, series.field);
      if (value !== null) return `${Math.round(value)} ${series.unit}`;
    }
    return "–";
  }

  // The note shown instead of the chart while there is no sample: a running job whose every `gpu` was null runs
  // on a server without a GPU; a job seen only once it had finished has no live samples (its GPU report has them).
  function noteText(runningSeen, finishedSeen) {
    if (runningSeen) return "no GPU on this server";
    if (finishedSeen) return "no live samples: the job ran before the page followed it (see its GPU report)";
    return "waiting for the job's first GPU sample";
  }

  // Makes a chart that draws into `container` (an element it owns from then on). Returns:
  //   reset()              forgets the samples (a new job);
  //   add(gpu, t, state)   records one event's `gpu` field (null: no GPU sample) at `t` seconds since the job was
  //                        opened, with the job's state then, and redraws;
  //   hasSamples()         whether any sample was not null.
  function create(container) {
    let points = [];
    let runningSeen = 0;
    let finishedSeen = 0;

    function draw() {
      container.replaceChildren();
      if (!points.length) {
        const note = document.createElement("p");
        note.className = "gpu-note";
        note.id = "gpu-chart-note";
        note.textContent = noteText(runningSeen, finishedSeen);
        container.append(note);
        return;
      }
      const span = points[points.length - 1].t - points[0].t;
      const shifted = points.map((p) => ({ t: p.t - points[0].t, sample: p.sample }));
      for (const series of SERIES) {
        const row = document.createElement("div");
        row.className = "gpu-row";
        const label = document.createElement("span");
        label.className = "gpu-label";
        label.textContent = `${series.label}: ${latestText(series, shifted)}`;
        row.append(label, seriesChart(series, shifted, span));
        container.append(row);
      }
      const axis = document.createElement("p");
      axis.className = "gpu-axis";
      axis.textContent = `last ${Math.round(span)} s, ${points.length} samples`;
      container.append(axis);
    }

    draw();
    return {
      reset() {
        points = [];
        runningSeen = 0;
        finishedSeen = 0;
        draw();
      },
      add(gpu, t, state) {
        if (state === "running") runningSeen++;
        else if (state !== "queued") finishedSeen++;
        if (gpu && typeof gpu === "object") {
          points.push({ t, sample: gpu });
          if (points.length > MAX_POINTS) points.shift();
        }
        draw();
      },
      hasSamples() {
        return points.length > 0;
      },
    };
  }

  return { create };
})();
