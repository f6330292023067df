// The public results page: hash routes over the results API, redrawn when the stream says
// the numbers on screen changed.
//   #/                      the first contest, whole
//   #/{contest}/{region}    a provinsi, kota, kecamatan or kelurahan
//   #/tps/{code}            one TPS: photos, numbers, history

import { drawShares } from "./charts.js";
import { escape, timeNow } from "./format.js";
import { followUpdates } from "./live.js";
import { renderRegion } from "./region_view.js";
import { renderTps } from "./tps_view.js";

const view = document.getElementById("view");
const live = document.getElementById("live");
const REFRESH_DELAY_MS = 250;
const LIVE_LABELS = { live: "Langsung", reconnecting: "Menyambung ulang…" };

let shown = null;
let contests = null;
let refreshTimer = null;

function currentRoute() {
  const parts = location.hash.replace(/^#\/?/, "").split("/").filter(Boolean).map(decodeURIComponent);
  if (parts[0] === "tps" && parts[1]) return { kind: "tps", code: parts[1] };
  return { kind: "region", contest: parts[0] ?? null, code: parts[1] ?? null };
}

const sameRoute = (a, b) => a.kind === b.kind && a.contest === b.contest && a.code === b.code;

async function getJson(url, { revalidate }) {
  const response = await fetch(url, { cache: revalidate ? "no-cache" : "default" });
  const body = await response.json().catch(() => null);
  if (!response.ok) throw new Error(body?.error?.message ?? `HTTP ${response.status}`);
  return body;
}

async function urlOf(route) {
  if (route.kind === "tps") return `/api/v1/tps/${encodeURIComponent(route.code)}`;
  contests ??= await getJson("/api/v1/contests", { revalidate: false });
  const contest = route.contest ?? contests[0]?.code;
  if (!contest) throw new Error("Belum ada pemilihan yang dimuat.");
  const region = route.code ? `/${encodeURIComponent(route.code)}` : "";
  return `/api/v1/results/${encodeURIComponent(contest)}${region}`;
}

async function show(route, { refresh = false } = {}) {
  try {
    const data = await getJson(await urlOf(route), { revalidate: refresh });
    if (!sameRoute(route, currentRoute())) return;
    const before = refresh ? valuesOnScreen() : null;
    const isTps = route.kind === "tps";
    view.innerHTML = isTps ? renderTps(data) : renderRegion(data);
    view.dataset.view = route.kind;
    if (!isTps) drawShares(document.getElementById("share-chart"), data.candidates, { animate: !refresh });
    if (before) markChanged(before);
    shown = isTps
      ? { route, tps: data.tps.code }
      : { route, contest: data.contest.code, region: data.region.code };
    document.title = `${isTps ? data.tps.name : data.region.name} · Hasil Rekap`;
  } catch (error) {
    if (refresh) return;
    shown = null;
    view.innerHTML = `
      <section class="card error" role="alert">
        <h1>Tidak dapat memuat</h1>
        <p>${escape(error.message)}</p>
        <p><a href="#/">Kembali ke halaman utama</a></p>
      </section>`;
  }
}

function valuesOnScreen() {
  return [...view.querySelectorAll("[data-value]")].map((element) => element.textContent);
}

function markChanged(before) {
  const after = view.querySelectorAll("[data-value]");
  if (after.length !== before.length) return;
  after.forEach((element, index) => {
    if (element.textContent !== before[index]) element.classList.add("changed");
  });
}

function concerns(update) {
  if (!shown) return false;
  if (shown.tps) return update.tps === shown.tps;
  return update.contest === shown.contest && update.region_codes.includes(shown.region);
}

function refreshSoon() {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(() => show(currentRoute(), { refresh: true }), REFRESH_DELAY_MS);
}

function showLiveState(state, updatedAt = null) {
  live.dataset.state = state;
  live.querySelector(".label").textContent =
    (LIVE_LABELS[state] ?? state) + (updatedAt ? ` · diperbarui ${updatedAt}` : "");
}

window.addEventListener("hashchange", () => {
  show(currentRoute());
  window.scrollTo(0, 0);
});

followUpdates({
  onUpdate(update) {
    if (!concerns(update)) return;
    showLiveState("live", timeNow());
    refreshSoon();
  },
  onResync: refreshSoon,
  onState: (state) => showLiveState(state),
});

show(currentRoute());
