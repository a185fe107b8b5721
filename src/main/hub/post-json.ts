import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

/**
 * One JSON POST with node:http(s). Not the global fetch: its first use compiles undici's WebAssembly HTTP parser,
 * a 30 MB peak that main's allocator then keeps for the life of the kiosk (measured).
 */
export function postJson(url: URL, body: unknown, timeoutMs = 10_000): Promise<{ status: number; body: unknown }> {
  const data = Buffer.from(JSON.stringify(body));
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': data.length }, timeout: timeoutMs }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > 64 * 1024) req.destroy(new Error('the answer is too large'));
        else chunks.push(c);
      });
      res.on('end', () => {
        let parsed: unknown;
        try {
          parsed = JSON.parse(Buffer.concat(chunks).toString('utf8'));
        } catch {
          parsed = undefined;
        }
        resolve({ status: res.statusCode ?? 0, body: parsed });
      });
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${timeoutMs / 1000} s`)));
    req.on('error', reject);
    req.end(data);
  });
}
