/** Where to sign in, read once at start from `/web-config.json` (local/web/web-app-server.ts locally, infra's deployment on AWS). */
export interface WebConfig {
  auth: { authorizeUrl: string; tokenUrl: string; revokeUrl?: string; logoutUrl?: string; clientId: string; scopes: string };
  /** Where the API answers; the page's own origin when absent (same distribution). */
  apiBase?: string;
}

let loaded: WebConfig | undefined;

export async function loadWebConfig(): Promise<WebConfig> {
  const response = await fetch('/web-config.json', { cache: 'no-cache' });
  if (!response.ok) throw new Error(`the web app's configuration (/web-config.json) answered ${response.status}`);
  loaded = (await response.json()) as WebConfig;
  return loaded;
}

export function webConfig(): WebConfig {
  if (!loaded) throw new Error('the web configuration is not loaded yet');
  return loaded;
}
