import { httpFailure } from './http-failure.ts';

/** What the doctor can keep of a consultation: its FHIR R4 Bundle and its report document (PDF). */
export type ExportKind = 'fhir' | 'pdf';

/** Why a download failed, in words the console translates (`download.failure.<code>`). */
export type DownloadFailure = 'network' | 'expired' | 'forbidden' | 'not-found' | 'server';
export type DownloadResult = { ok: true; blob: Blob; filename: string } | { ok: false; error: DownloadFailure };

export type BlobFetch = (url: string, init: { method: 'GET'; credentials: 'same-origin'; headers: Record<string, string> }) => Promise<{ ok: boolean; status: number; blob(): Promise<Blob> }>;

const browserFetch: BlobFetch = (url, init) => fetch(url, init);

/** `GET /api/consultations/:id/fhir` or `…/report.pdf` with the doctor's token; never throws. */
export async function fetchExport(consultationId: string, kind: ExportKind, token: string | undefined, fetcher: BlobFetch = browserFetch): Promise<DownloadResult> {
  if (!token) return { ok: false, error: 'expired' };
  const id = encodeURIComponent(consultationId);
  try {
    const res = await fetcher(`/api/consultations/${id}/${kind === 'fhir' ? 'fhir' : 'report.pdf'}`, { method: 'GET', credentials: 'same-origin', headers: { authorization: `Bearer ${token}` } });
    if (!res.ok) return { ok: false, error: httpFailure(res.status, ['expired', 'forbidden', 'not-found']) };
    const safe = consultationId.replace(/[^A-Za-z0-9-]/g, '_');
    return { ok: true, blob: await res.blob(), filename: kind === 'fhir' ? `consultation-${safe}.fhir.json` : `consultation-${safe}.pdf` };
  } catch {
    return { ok: false, error: 'network' };
  }
}

/** Hands the file to the browser's downloads (a temporary link; the object URL is freed once it is used). */
export function saveFile(blob: Blob, filename: string, doc: Document = document): void {
  const url = URL.createObjectURL(blob);
  const a = doc.createElement('a');
  a.href = url;
  a.download = filename;
  a.rel = 'noopener';
  doc.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
