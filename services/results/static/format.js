// Formatting and words shared by the views: numbers and dates as Indonesians write them.

const numbers = new Intl.NumberFormat("id-ID");
const percents = new Intl.NumberFormat("id-ID", { minimumFractionDigits: 2, maximumFractionDigits: 2 });
const moments = new Intl.DateTimeFormat("id-ID", {
  dateStyle: "medium",
  timeStyle: "short",
  timeZone: "Asia/Jakarta",
});
const clock = new Intl.DateTimeFormat("id-ID", { timeStyle: "medium", timeZone: "Asia/Jakarta" });

export const count = (value) => (value === null || value === undefined ? "–" : numbers.format(value));
export const percent = (value) => (value === null || value === undefined ? "–" : `${percents.format(value)}%`);
export const moment = (iso) => `${moments.format(new Date(iso))} WIB`;
export const timeNow = () => `${clock.format(new Date())} WIB`;
export const ballotNumber = (number) => String(number).padStart(2, "0");

export function ratio(part, whole) {
  return whole ? (100 * part) / whole : 0;
}

export function escape(text) {
  return String(text ?? "").replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export const LEVELS = {
  provinsi: "Provinsi",
  kota: "Kota/Kabupaten",
  kecamatan: "Kecamatan",
  kelurahan: "Kelurahan/Desa",
  tps: "TPS",
};

export const CHILDREN_HEADINGS = {
  kota: "Hasil per kota/kabupaten",
  kecamatan: "Hasil per kecamatan",
  kelurahan: "Hasil per kelurahan/desa",
  tps: "Hasil per TPS",
};

export const STATUSES = {
  published: { label: "Diterbitkan", hint: "Angka formulir lolos semua pemeriksaan dan masuk ke jumlah." },
  disputed: {
    label: "Disengketakan",
    hint:
      "Ada unggahan lain yang angkanya berbeda dari yang diterbitkan. Angka ini tetap dihitung " +
      "sementara sampai pemeriksa PPS memutuskan.",
  },
  waiting_for_review: {
    label: "Menunggu pemeriksaan",
    hint: "Mesin tidak yakin atau aturan formulir tidak terpenuhi: pemeriksa PPS akan mengecek fotonya.",
  },
  rejected: { label: "Foto ditolak", hint: "Foto yang diunggah bukan formulir yang terbaca." },
  being_read: { label: "Sedang dibaca", hint: "Foto sudah diterima dan sedang dibaca." },
  not_reported: { label: "Belum masuk", hint: "Belum ada foto formulir dari TPS ini." },
};

export const OUTCOMES = {
  accept: "Diterima",
  review: "Perlu pemeriksaan",
  reject: "Ditolak",
};

export function statusBadge(status) {
  const known = STATUSES[status] ?? { label: status, hint: "" };
  return `<span class="badge status-${escape(status)}" data-status="${escape(status)}" title="${escape(known.hint)}">${escape(known.label)}</span>`;
}

export function decidedBy(decided, reviewer) {
  if (reviewer) return `Diperiksa dan disahkan oleh pemeriksa PPS <strong>${escape(reviewer)}</strong>`;
  if (decided === "auto") return "Diputuskan otomatis: semua aturan formulir terpenuhi";
  return escape(decided ?? "–");
}
