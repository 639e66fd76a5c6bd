// tinylarge aggregator dashboard: reads /v1/stats and draws the fleet table and SVG charts.
// No libraries and nothing from the internet: the service's CSP would refuse it anyway.
"use strict";

const REFRESH_MS = 5000;
const SVG_NS = "http://www.w3.org/2000/svg";
const CHART = { width: 600, height: 240, left: 56, right: 14, top: 12, bottom: 34 };

function $(id) { return document.getElementById(id); }

function percent(value) { return value === null || value === undefined ? "–" : (100 * value).toFixed(1) + " %"; }
function integer(value) { return value === null || value === undefined ? "–" : Math.round(value).toLocaleString("en-US"); }

function compact(value) {
  const abs = Math.abs(value);
  if (abs >= 1e9) return (value / 1e9).toFixed(abs >= 1e10 ? 0 : 1) + "G";
  if (abs >= 1e6) return (value / 1e6).toFixed(abs >= 1e7 ? 0 : 1) + "M";
  if (abs >= 1e3) return (value / 1e3).toFixed(abs >= 1e4 ? 0 : 1) + "k";
  return Number.isInteger(value) ? String(value) : String(Number(value.toFixed(1)));
}

function ago(epochSeconds) {
  if (epochSeconds === null) return "never";
  const seconds = Math.max(0, Date.now() / 1000 - epochSeconds);
  if (seconds < 60) return Math.round(seconds) + " s ago";
  if (seconds < 3600) return Math.round(seconds / 60) + " min ago";
  if (seconds < 86400) return Math.round(seconds / 3600) + " h ago";
  return Math.round(seconds / 86400) + " d ago";
}

function clockTime(epochSeconds) {
  const d = new Date(epochSeconds * 1000);
  return d.toTimeString().slice(0, 8);
}

function svgElement(name, attributes, text) {
  const element = document.createElementNS(SVG_NS, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, value);
  if (text !== undefined) element.textContent = text;
  return element;
}

// Round the axis maximum up to 1, 2 or 5 times a power of ten, so tick labels read well.
function niceMax(value) {
  if (value <= 0) return 1;
  const power = Math.pow(10, Math.floor(Math.log10(value)));
  for (const step of [1, 2, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

// Grid steps: 5 for a maximum of 5·10^k, 4 otherwise, so tick values stay round. A count axis
// (`whole`) only takes steps that land on whole numbers: a maximum of 1 gets 0 and 1, not 0.25.
function gridSteps(yMax, whole) {
  const leading = yMax / Math.pow(10, Math.floor(Math.log10(yMax)));
  const preferred = Math.abs(leading - 5) < 1e-9 ? 5 : 4;
  if (!whole) return preferred;
  return [preferred, 5, 4, 2, 1].find((steps) => Number.isInteger(yMax / steps));
}

// Axes, horizontal grid lines and y labels; returns helpers that map data to pixels.
function drawFrame(svg, yMax, yFormat, whole) {
  svg.replaceChildren();
  const plotW = CHART.width - CHART.left - CHART.right;
  const plotH = CHART.height - CHART.top - CHART.bottom;
  const y = (value) => CHART.top + plotH - (value / yMax) * plotH;
  const steps = gridSteps(yMax, whole);
  for (let i = 0; i <= steps; i++) {
    const value = (yMax * i) / steps;
    svg.appendChild(svgElement("line", { class: "grid", x1: CHART.left, x2: CHART.width - CHART.right, y1: y(value), y2: y(value) }));
    svg.appendChild(svgElement("text", { class: "tick", x: CHART.left - 8, y: y(value) + 4, "text-anchor": "end" }, yFormat(value)));
  }
  svg.appendChild(svgElement("line", { class: "axis", x1: CHART.left, x2: CHART.width - CHART.right, y1: y(0), y2: y(0) }));
  return { plotW, plotH, y };
}

function noData(svg, message) {
  svg.replaceChildren(svgElement("text", { class: "nodata", x: CHART.width / 2, y: CHART.height / 2, "text-anchor": "middle" }, message));
}

// Show at most ~8 x labels, evenly spread.
function xLabelStride(count) { return Math.max(1, Math.ceil(count / 8)); }

function barChart(svg, labels, values, options) {
  if (values.length === 0) { noData(svg, options.empty); return; }
  const yMax = niceMax(Math.max(...values));
  const frame = drawFrame(svg, yMax, compact, true);  // bars are counts
  const slot = frame.plotW / values.length;
  const stride = xLabelStride(values.length);
  values.forEach((value, i) => {
    const x = CHART.left + i * slot;
    const top = frame.y(value);
    const bar = svgElement("rect", { class: "bar", x: x + slot * 0.12, y: top, width: Math.max(1, slot * 0.76), height: frame.y(0) - top, rx: 2 });
    bar.appendChild(svgElement("title", {}, labels[i] + ": " + integer(value)));
    svg.appendChild(bar);
    if (i % stride === 0) {
      svg.appendChild(svgElement("text", { class: "tick", x: x + slot / 2, y: CHART.height - CHART.bottom + 16, "text-anchor": "middle" }, labels[i]));
    }
  });
}

function lineChart(svg, labels, values, options) {
  const points = values.map((value, i) => [i, value]).filter(([, value]) => value !== null);
  if (points.length === 0) { noData(svg, options.empty); return; }
  const frame = drawFrame(svg, 1, (v) => Math.round(v * 100) + "%", false);
  const slot = frame.plotW / values.length;
  const x = (i) => CHART.left + i * slot + slot / 2;
  const path = points.map(([i, value], k) => (k === 0 ? "M" : "L") + x(i).toFixed(1) + "," + frame.y(value).toFixed(1)).join(" ");
  const first = points[0][0], last = points[points.length - 1][0];
  svg.appendChild(svgElement("path", { class: "area", d: path + " L" + x(last).toFixed(1) + "," + frame.y(0) + " L" + x(first).toFixed(1) + "," + frame.y(0) + " Z" }));
  svg.appendChild(svgElement("path", { class: "line", d: path }));
  for (const [i, value] of points) {
    const dot = svgElement("circle", { class: "dot", cx: x(i), cy: frame.y(value), r: 3 });
    dot.appendChild(svgElement("title", {}, labels[i] + ": " + percent(value)));
    svg.appendChild(dot);
  }
  const stride = xLabelStride(values.length);
  labels.forEach((label, i) => {
    if (i % stride === 0) svg.appendChild(svgElement("text", { class: "tick", x: x(i), y: CHART.height - CHART.bottom + 16, "text-anchor": "middle" }, label));
  });
}

function cell(text, className) {
  const td = document.createElement("td");
  td.textContent = text;
  if (className) td.className = className;
  return td;
}

function renderFleet(devices) {
  const body = $("fleet-body");
  if (devices.length === 0) return;  // keep the "no devices yet" hint
  body.replaceChildren(...devices.map((device) => {
    const row = document.createElement("tr");
    row.dataset.device = device.name;
    const lastSeen = cell(ago(device.last_seen), device.last_seen === null ? "idle last-seen" : "last-seen");
    if (device.last_seen !== null) lastSeen.title = new Date(device.last_seen * 1000).toISOString();
    row.append(
      cell(device.name, "name"),
      cell(integer(device.results), "num results"),
      lastSeen,
      cell(percent(device.accuracy), "num accuracy"),
      cell(integer(device.latency_cycles_mean), "num latency-mean"),
      cell(integer(device.latency_cycles_max), "num latency-max"),
      cell(integer(device.escalated), "num escalated"),
      cell(percent(device.agreement), "num agreement"),
    );
    return row;
  }));
}

function renderCards(stats) {
  $("total-results").textContent = integer(stats.results);
  $("total-devices").textContent = integer(stats.devices.length);
  $("total-accuracy").textContent = percent(stats.accuracy);
  $("total-labelled").textContent = integer(stats.labelled) + " labelled";
  $("total-offload").textContent = stats.teacher ? percent(stats.offload_rate) : "off";
  $("teacher-note").textContent = stats.teacher ? "teacher " + stats.teacher + ", threshold " + stats.threshold : "no teacher configured";
  $("total-agreement").textContent = percent(stats.agreement);
  $("total-disagreements").textContent = integer(stats.disagreements) + " disagreements";
}

function renderCharts(stats) {
  const buckets = stats.timeline.buckets;
  const labels = buckets.map((b) => clockTime(b.start));
  barChart($("chart-timeline"), labels, buckets.map((b) => b.results), { empty: "no results yet" });
  const edges = stats.latency_histogram.edges;
  barChart($("chart-latency"), stats.latency_histogram.counts.map((_, i) => compact(edges[i])),
    stats.latency_histogram.counts, { empty: "no latencies reported" });
  if (stats.teacher) {
    lineChart($("chart-offload"), labels, buckets.map((b) => (b.results ? b.escalated / b.results : null)),
      { empty: "no results yet" });
  } else {
    noData($("chart-offload"), "no teacher configured: start the service with --teacher MODEL");
  }
  lineChart($("chart-agreement"), labels, buckets.map((b) => (b.escalated ? b.agreed / b.escalated : null)),
    { empty: "nothing escalated yet" });
}

async function refresh() {
  const status = $("status");
  try {
    const response = await fetch("/v1/stats", { cache: "no-store" });
    if (!response.ok) throw new Error("HTTP " + response.status);
    const stats = await response.json();
    renderCards(stats);
    renderFleet(stats.devices);
    renderCharts(stats);
    status.textContent = "updated " + new Date().toTimeString().slice(0, 8);
    status.className = "status ok";
    document.body.dataset.state = "ready";
  } catch (error) {
    status.textContent = "cannot reach the service (" + error.message + ")";
    status.className = "status error";
    document.body.dataset.state = "error";
  }
}

refresh();
setInterval(refresh, REFRESH_MS);
