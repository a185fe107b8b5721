const escape = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

/**
 * A static page (no script) shown when the kiosk cannot run: what happened and what to do, in French and
 * English, with the technical reason for the assistant. As a data: URL it has no origin, so the bridge
 * refuses it.
 */
export function errorPageUrl(reason: string): string {
  const html = `<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Cabin</title><style>body{font:28px/1.4 sans-serif;background:#111;color:#fff;margin:10vh 8vw}small{color:#bbb;font-size:18px}</style></head>
<body><h1>La cabine est momentanément indisponible.</h1><p>Merci d'appeler l'assistant.</p>
<h1 lang="en">The cabin is temporarily unavailable.</h1><p lang="en">Please call the assistant.</p>
<p><small>${escape(reason.slice(0, 500))}</small></p></body></html>`;
  return `data:text/html;charset=utf-8,${encodeURIComponent(html)}`;
}
