/**
 * GET requests to a JSON API with the source's auth, a timeout, and retries: 429, 5xx and network
 * errors are retried up to `max_retries` times, waiting what `Retry-After` asks (seconds or an HTTP
 * date) or else an exponential backoff with jitter. Failures become LakeErrors naming the source and
 * resource; secrets (token, password, API key) are removed from every URL and message.
 */
import { DataError, type LakeError, NotFoundError, parseJson, redactUrl, SourceError } from '@lakekit/core';
import type { HttpConfig } from './http-config.js';

/** A parsed response. */
export interface JsonResponse {
  readonly body: unknown;
  readonly headers: Headers;
  /** The URL answered (after redirects). */
  readonly url: URL;
}

/** Knobs tests turn; defaults suit real APIs. */
export interface HttpClientOptions {
  /** First backoff delay in ms (doubled per retry, jittered to 50–100 %); default 500. */
  readonly backoffBaseMs?: number;
  /** Longest backoff delay in ms; default 30 s. */
  readonly backoffMaxMs?: number;
  /** Longest `Retry-After` honoured, in ms; a server asking more fails (retryable). Default 5 min. */
  readonly maxRetryAfterMs?: number;
}

/** The HTTP client of one source (see the module comment). */
export class HttpClient {
  private readonly config: HttpConfig;
  private readonly secrets: string[];
  private readonly options: Required<HttpClientOptions>;

  constructor(config: HttpConfig, options: HttpClientOptions = {}) {
    this.config = config;
    this.options = {
      backoffBaseMs: options.backoffBaseMs ?? 500,
      backoffMaxMs: options.backoffMaxMs ?? 30_000,
      maxRetryAfterMs: options.maxRetryAfterMs ?? 300_000,
    };
    const auth = config.auth;
    this.secrets = [];
    if (auth?.type === 'bearer') this.secrets.push(auth.token);
    if (auth?.type === 'basic' && auth.password !== '') {
      this.secrets.push(auth.password, Buffer.from(`${auth.username}:${auth.password}`).toString('base64'));
    }
    if (auth?.type === 'api_key') this.secrets.push(auth.value, encodeURIComponent(auth.value));
  }

  /** `path` under `base_url` (or an absolute URL) with query `params` added. */
  url(path: string, params: Readonly<Record<string, string>> = {}): URL {
    const url = /^https?:\/\//i.test(path)
      ? new URL(path)
      : new URL(`${this.config.base_url.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`);
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    return url;
  }

  /** The URL as safe to print: user info, the API key and `token`/`key`-like parameters masked. */
  display(url: URL | string): string {
    return this.redact(redactUrl(String(url)));
  }

  /** `text` with every secret replaced by `***`. */
  redact(text: string): string {
    let out = text;
    for (const s of this.secrets) if (s.length > 0) out = out.replaceAll(s, '***');
    return out;
  }

  /** GETs `url` and parses its JSON body, retrying transient faults; `where` names source and resource. */
  async getJson(url: URL, where: string, signal?: AbortSignal): Promise<JsonResponse> {
    const target = new URL(url);
    const auth = this.config.auth;
    if (auth?.type === 'api_key' && auth.in === 'query') target.searchParams.set(auth.name, auth.value);
    const headers = this.headers();
    const shown = `GET ${this.display(target)}`;
    const attempts = this.config.max_retries + 1;
    for (let attempt = 1; ; attempt++) {
      signal?.throwIfAborted();
      let response: Response;
      let text: string;
      try {
        const timeout = AbortSignal.timeout(this.config.timeout_seconds * 1000);
        response = await fetch(target, {
          headers,
          redirect: 'follow',
          signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
        });
        text = await response.text();
      } catch (e) {
        if (signal?.aborted) throw signal.reason;
        const why = networkReason(e, this.config.timeout_seconds);
        if (attempt < attempts) {
          await sleep(this.backoff(attempt), signal);
          continue;
        }
        throw new SourceError(`${where}: ${shown} failed after ${attempt} attempts: ${this.redact(why)}`, {
          retryable: true,
          context: { url: this.display(target) },
          cause: e,
        });
      }
      const status = response.status;
      if (status === 429 || status >= 500) {
        const asked = retryAfterMs(response.headers.get('retry-after'));
        const fault = `${status} ${response.statusText}${excerpt(this.redact(text))}`;
        if (asked !== undefined && asked > this.options.maxRetryAfterMs) {
          throw new SourceError(
            `${where}: ${shown} failed: ${fault} (the server asks to retry after ${Math.ceil(asked / 1000)} s)`,
            { retryable: true, context: { url: this.display(target), status } },
          );
        }
        if (attempt < attempts) {
          await sleep(asked ?? this.backoff(attempt), signal);
          continue;
        }
        throw new SourceError(`${where}: ${shown} failed after ${attempt} attempts: ${fault}`, {
          retryable: true,
          context: { url: this.display(target), status },
        });
      }
      if (status >= 400) throw this.clientError(where, shown, target, response, text);
      return {
        body: this.parse(text, where, shown, target),
        headers: response.headers,
        url: new URL(response.url || target),
      };
    }
  }

  private headers(): Record<string, string> {
    const h: Record<string, string> = { accept: 'application/json', ...this.config.headers };
    const auth = this.config.auth;
    if (auth?.type === 'bearer') h['authorization'] = `Bearer ${auth.token}`;
    if (auth?.type === 'basic') {
      h['authorization'] = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
    }
    if (auth?.type === 'api_key' && auth.in === 'header') h[auth.name] = auth.value;
    return h;
  }

  private clientError(where: string, shown: string, url: URL, response: Response, text: string): LakeError {
    const status = response.status;
    const context = { url: this.display(url), status };
    const fault = `${status} ${response.statusText}`;
    if (status === 401 || status === 403) {
      return new SourceError(`${where}: ${shown} failed: ${fault} (credentials rejected)`, {
        auth: true,
        context,
      });
    }
    if (status === 404)
      return new NotFoundError('resource', `${where}: ${shown} failed: ${fault}`, { context });
    return new SourceError(`${where}: ${shown} failed: ${fault}${excerpt(this.redact(text))}`, { context });
  }

  private parse(text: string, where: string, shown: string, url: URL): unknown {
    if (text.trim() === '') return null;
    try {
      return parseJson(text);
    } catch (e) {
      throw new DataError(
        `${where}: ${shown} returned malformed JSON (${(e as Error).message})${excerpt(this.redact(text))}`,
        { context: { url: this.display(url) }, cause: e },
      );
    }
  }

  /** Exponential backoff with jitter: base·2^(n−1), capped, times a random 50–100 %. */
  private backoff(attempt: number): number {
    const full = Math.min(this.options.backoffMaxMs, this.options.backoffBaseMs * 2 ** (attempt - 1));
    return full * (0.5 + Math.random() / 2);
  }
}

/** Milliseconds a `Retry-After` value asks for (delay-seconds or an HTTP date), if it is valid. */
export function retryAfterMs(value: string | null, now = Date.now()): number | undefined {
  if (value === null) return undefined;
  const v = value.trim();
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

function networkReason(e: unknown, timeoutSeconds: number): string {
  const err = e as Error & { cause?: { code?: string; message?: string } };
  if (err.name === 'TimeoutError') return `no response within ${timeoutSeconds} s`;
  const cause = err.cause?.code ?? err.cause?.message;
  return cause ? `${err.message} (${cause})` : err.message;
}

/** `: <first 200 characters of the body>` for error messages (empty for an empty body). */
function excerpt(text: string): string {
  const t = text.replace(/\s+/g, ' ').trim();
  if (t === '') return '';
  return `: ${t.length > 200 ? `${t.slice(0, 197)}…` : t}`;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
