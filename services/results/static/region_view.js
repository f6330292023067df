// A region's page: totals and shares, progress, and its children (regions or TPS) to drill into.

import {
  CHILDREN_HEADINGS,
  LEVELS,
  ballotNumber,
  count,
  escape,
  percent,
  ratio,
  statusBadge,
} from "./format.js";

export function regionHref(contest, code) {
  return `#/${encodeURIComponent(contest)}/${encodeURIComponent(code)}`;
}

export function tpsHref(code) {
  return `#/tps/${encodeURIComponent(code)}`;
}

export function breadcrumbs(contest, path, last = null) {
  const steps = path.map((region, index) =>
    index === path.length - 1 && !last
      ? `<span aria-current="page">${escape(region.name)}</span>`
      : `<a href="${regionHref(contest, region.code)}">${escape(region.name)}</a>`,
  );
  if (last) steps.push(`<span aria-current="page">${escape(last)}</span>`);
  return `<nav class="crumbs" aria-label="Wilayah">${steps.join('<span class="sep">›</span>')}</nav>`;
}

export function renderRegion(results) {
  const { contest, region } = results;
  const reportedShare = ratio(results.tps_reported, results.tps_total);
  const complete = results.tps_total > 0 && results.tps_reported === results.tps_total;
  return `
    ${breadcrumbs(contest.code, results.path)}
    <section class="headline">
      <p class="level">${escape(LEVELS[region.level])}</p>
      <h1 id="region-name">${escape(region.name)}</h1>
      <p class="contest-name">${escape(contest.name)}</p>
      ${
        complete
          ? ""
          : `<p class="provisional" data-provisional="true"><strong>Hasil sementara.</strong>
             Angka bertambah selama foto formulir masuk; bukan hasil resmi KPU.</p>`
      }
    </section>
    <section class="card progress" aria-label="Kemajuan data">
      <div class="progress-figures">
        <span>TPS masuk</span>
        <strong><span id="tps-reported" data-value>${count(results.tps_reported)}</span> dari
        <span id="tps-total">${count(results.tps_total)}</span></strong>
        <span class="progress-percent" data-value>${percent(reportedShare)}</span>
      </div>
      <div class="bar" role="progressbar" aria-valuemin="0" aria-valuemax="100"
        aria-valuenow="${reportedShare.toFixed(2)}"><span style="width:${reportedShare}%"></span></div>
      ${
        results.tps_disputed
          ? `<p class="disputed-note" data-disputed="${results.tps_disputed}">
               ${statusBadge("disputed")} ${count(results.tps_disputed)} TPS disengketakan:
               angkanya dihitung sementara sampai diputuskan pemeriksa.</p>`
          : ""
      }
    </section>
    <section class="totals">
      <div class="candidates">${results.candidates.map(candidateCard).join("")}</div>
      <div class="card chart-card">
        <canvas id="share-chart" aria-label="Perolehan suara sah per pasangan calon" role="img"></canvas>
      </div>
    </section>
    <section class="card ballots">
      <div><span>Suara sah</span><strong id="suara-sah" data-value>${count(results.suara_sah)}</strong></div>
      <div><span>Suara tidak sah</span><strong id="suara-tidak-sah" data-value>${count(results.suara_tidak_sah)}</strong></div>
    </section>
    ${results.children.length ? childrenTable(results) : ""}
  `;
}

function candidateCard(candidate) {
  return `
    <article class="card candidate" data-candidate="${candidate.number}"
      style="--colour:${escape(candidate.colour ?? "#888")}">
      <div class="ballot-number">${ballotNumber(candidate.number)}</div>
      <div class="candidate-name">${escape(candidate.name)}</div>
      <div class="candidate-figures">
        <strong class="votes" data-value>${count(candidate.votes)}</strong>
        <span class="share" data-value>${percent(candidate.share)}</span>
      </div>
      <div class="share-bar"><span style="width:${candidate.share ?? 0}%"></span></div>
    </article>`;
}

function childrenTable(results) {
  const { contest, candidates } = results;
  const ofTps = results.children_level === "tps";
  const header = candidates
    .map((c) => `<th scope="col" class="num" title="${escape(c.name)}">${ballotNumber(c.number)}</th>`)
    .join("");
  const row = ofTps ? tpsRow : (child) => regionRow(contest.code, child);
  return `
    <section class="card children">
      <h2>${escape(CHILDREN_HEADINGS[results.children_level] ?? "Rincian")}</h2>
      <div class="table-scroll">
        <table>
          <thead><tr><th scope="col">Wilayah</th>${header}${ofTps ? "" : '<th scope="col" class="num">TPS masuk</th>'}</tr></thead>
          <tbody>${results.children.map(row).join("")}</tbody>
        </table>
      </div>
    </section>`;
}

function regionRow(contest, child) {
  const reported = ratio(child.tps_reported, child.tps_total);
  const disputed = child.tps_disputed
    ? `<span class="badge status-disputed" data-status="disputed">${count(child.tps_disputed)} disengketakan</span>`
    : "";
  return `
    <tr data-code="${escape(child.region.code)}">
      <th scope="row"><a href="${regionHref(contest, child.region.code)}">${escape(child.region.name)}</a> ${disputed}</th>
      ${voteCells(child)}
      <td class="num"><span data-value>${count(child.tps_reported)}/${count(child.tps_total)}</span>
        <span class="minibar"><span style="width:${reported}%"></span></span></td>
    </tr>`;
}

function tpsRow(child) {
  return `
    <tr data-code="${escape(child.region.code)}" data-status="${escape(child.status)}">
      <th scope="row"><a href="${tpsHref(child.region.code)}">${escape(child.region.name)}</a>
        ${statusBadge(child.status)}</th>
      ${voteCells(child)}
    </tr>`;
}

function voteCells(child) {
  return child.candidates
    .map(
      (c) => `
        <td class="num"><span data-value>${child.tps_reported ? count(c.votes) : "–"}</span>
          <small data-value>${child.tps_reported ? percent(c.share) : ""}</small></td>`,
    )
    .join("");
}
