// The share of valid votes per candidate pair, drawn with Chart.js (vendored, loaded before us).

import { ballotNumber, count, percent } from "./format.js";

let chart = null;

export function drawShares(canvas, candidates, { animate }) {
  chart?.destroy();
  chart = null;
  const Chart = globalThis.Chart;
  if (!canvas || !Chart) return;
  const total = candidates.reduce((sum, c) => sum + c.votes, 0);
  canvas.closest(".chart-card")?.toggleAttribute("data-empty", total === 0);
  if (total === 0) return;
  chart = new Chart(canvas, {
    type: "doughnut",
    data: {
      labels: candidates.map((c) => `${ballotNumber(c.number)} ${c.name}`),
      datasets: [
        {
          data: candidates.map((c) => c.votes),
          backgroundColor: candidates.map((c) => c.colour ?? "#888"),
          borderColor: "#fff",
          borderWidth: 2,
        },
      ],
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      cutout: "58%",
      animation: animate ? { duration: 400 } : false,
      plugins: {
        legend: { display: false },
        tooltip: {
          callbacks: {
            label: (item) => ` ${count(item.raw)} suara (${percent((100 * item.raw) / total)})`,
          },
        },
      },
    },
  });
}
