// A TPS's page: per contest, the form photos beside the numbers read from them, how they were
// decided, and every earlier version.

import {
  OUTCOMES,
  STATUSES,
  ballotNumber,
  count,
  decidedBy,
  escape,
  moment,
  statusBadge,
} from "./format.js";
import { breadcrumbs } from "./region_view.js";

const BALLOT_ROWS = [
  ["suara_sah", "Suara sah"],
  ["suara_tidak_sah", "Suara tidak sah"],
  ["suara_total", "Jumlah suara sah dan tidak sah"],
  ["pengguna_total_jml", "Pengguna hak pilih"],
  ["dpt_jml", "Pemilih terdaftar (DPT)"],
];

export function renderTps(report) {
  const { tps, path, contests } = report;
  const place = path.slice(1).reverse().map((region) => region.name).join(", ");
  const contestCode = contests[0]?.contest.code ?? "";
  return `
    ${breadcrumbs(contestCode, path, tps.name)}
    <section class="headline">
      <p class="level">TPS ${escape(tps.code)}</p>
      <h1 id="region-name">${escape(tps.name)}</h1>
      <p class="contest-name">${escape(place)} · DPT ${count(tps.dpt_jml)}
        (L ${count(tps.dpt_l)}, P ${count(tps.dpt_p)})</p>
    </section>
    ${contests.map((entry) => contestSection(entry, tps.code, report.log)).join("")}
  `;
}

function contestSection(entry, tpsCode, log) {
  const logged = log.filter((record) => record.contest === entry.contest.code);
  const status = STATUSES[entry.status];
  return `
    <section class="card tps-contest" data-status="${escape(entry.status)}" data-contest="${escape(entry.contest.code)}">
      <header class="tps-contest-header">
        <h2>${escape(entry.contest.name)}</h2>
        ${statusBadge(entry.status)}
      </header>
      <p class="status-explained status-${escape(entry.status)}">${escape(status?.hint ?? "")}</p>
      <div class="tps-grid">
        <div class="photos">${entry.photos.length ? entry.photos.map(photoFigure).join("") : '<p class="muted">Belum ada foto formulir.</p>'}</div>
        <div class="numbers">${entry.values ? numbersTable(entry) : '<p class="muted">Belum ada angka yang diterbitkan untuk TPS ini.</p>'}</div>
      </div>
      ${entry.history.length ? historyTable(entry, tpsCode, logged) : ""}
    </section>`;
}

function photoFigure(photo) {
  const outcome = photo.outcome ? OUTCOMES[photo.outcome] : "Sedang dibaca";
  const reasons = photo.reasons.length
    ? `<ul class="reasons">${photo.reasons.map((r) => `<li>${escape(r)}</li>`).join("")}</ul>`
    : "";
  return `
    <figure class="photo" data-sha256="${escape(photo.sha256)}">
      <a href="${escape(photo.url)}" target="_blank" rel="noopener">
        <img class="form-photo" src="${escape(photo.url)}" loading="lazy"
          alt="Foto formulir C.Hasil-KWK diunggah ${escape(moment(photo.uploaded_at))}"
          ${photo.width ? `width="${photo.width}" height="${photo.height}"` : ""}>
      </a>
      <figcaption>
        <span class="outcome outcome-${escape(photo.outcome ?? "pending")}">${escape(outcome)}</span>
        · diunggah ${escape(moment(photo.uploaded_at))}
        ${photo.in_versions.length ? `· dipakai di versi ${photo.in_versions.join(", ")}` : ""}
        <span class="hash">sha256 <code title="${escape(photo.sha256)}">${escape(photo.sha256)}</code></span>
        ${reasons}
      </figcaption>
    </figure>`;
}

function numbersTable(entry) {
  const values = entry.values;
  const candidateRows = entry.candidates
    .map(
      (c) => `
      <tr data-candidate="${c.number}">
        <th scope="row"><span class="swatch" style="--colour:${escape(c.colour ?? "#888")}"></span>
          ${ballotNumber(c.number)} ${escape(c.name)}</th>
        <td class="num" data-field="suara_paslon_${c.number}" data-value>${count(c.votes)}</td>
      </tr>`,
    )
    .join("");
  const ballotRows = BALLOT_ROWS.map(
    ([field, label]) => `
      <tr><th scope="row">${label}</th>
        <td class="num" data-field="${field}" data-value>${count(values[field])}</td></tr>`,
  ).join("");
  return `
    <table class="tps-numbers">
      <tbody>${candidateRows}</tbody>
      <tbody class="ballot-rows">${ballotRows}</tbody>
    </table>
    <p class="decided">${decidedBy(entry.decided_by, entry.reviewer)}.</p>
    <p class="muted">Versi <span data-field="version" data-value>${entry.version}</span>,
      diterima ${escape(moment(entry.accepted_at))}.</p>`;
}

function logCell(record) {
  if (!record) return '<span class="muted">belum tercatat</span>';
  const proven = record.tree_head
    ? `<span class="proven" title="Bukti inklusi terhadap kepala pohon bertanda tangan berukuran ${record.tree_head.tree_size}">✓ terbukti</span>`
    : '<span class="muted">menunggu tanda tangan</span>';
  return `#${record.leaf_index} ${proven}`;
}

function historyTable(entry, tpsCode, log) {
  const logged = new Map(log.map((record) => [record.version, record]));
  const numbers = entry.candidates.map((c) => `<th scope="col" class="num">${ballotNumber(c.number)}</th>`).join("");
  const rows = [...entry.history]
    .reverse()
    .map(
      (version) => `
      <tr data-version="${version.version}" ${version.disputed ? 'data-status="disputed"' : ""}>
        <td>${version.version}</td>
        <td>${escape(moment(version.accepted_at))}</td>
        <td>${version.reviewer ? `Pemeriksa ${escape(version.reviewer)}` : "Otomatis"}
          ${version.disputed ? statusBadge("disputed") : ""}</td>
        ${entry.candidates.map((c) => `<td class="num">${count(version.values[`suara_paslon_${c.number}`])}</td>`).join("")}
        <td class="num">${count(version.values.suara_sah)}</td>
        <td class="num">${count(version.values.suara_tidak_sah)}</td>
        <td data-log>${logCell(logged.get(version.version))}</td>
      </tr>`,
    )
    .join("");
  return `
    <details class="history" ${entry.history.length > 1 ? "open" : ""}>
      <summary>Riwayat versi (${entry.history.length})</summary>
      <div class="table-scroll">
        <table>
          <thead><tr><th scope="col">Versi</th><th scope="col">Diterima</th><th scope="col">Diputuskan</th>
            ${numbers}<th scope="col" class="num">Sah</th><th scope="col" class="num">Tidak sah</th>
            <th scope="col">Log transparansi</th></tr></thead>
          <tbody>${rows}</tbody>
        </table>
      </div>
      <p class="muted">Setiap versi dicatat di log transparansi yang hanya bisa ditambah
        (<a href="/api/v1/log/tps/${encodeURIComponent(tpsCode)}">bukti</a>,
        <a href="/api/v1/log/key">kunci publik</a>).</p>
    </details>`;
}
