import { mkdir } from 'node:fs/promises';
import { createServer } from 'node:net';
import { MailDev } from 'maildev';

export interface MailSink {
  smtpHost: string;
  smtpPort: number;
  /** maildev's web inbox, and its REST API under /api/email. */
  webUrl: string;
  /** The messages received so far (maildev's REST API), oldest first. */
  messages(): Promise<SunkMail[]>;
  close(): Promise<void>;
}

export interface SunkMail {
  id: string;
  subject: string;
  text: string;
  to: { address: string }[];
  from: { address: string }[];
  headers: Record<string, string>;
}

async function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/**
 * A real SMTP server with a web inbox (maildev, MIT): every e-mail the local stack sends lands
 * here, never on the internet. Port 0 picks free ports (tests).
 */
export async function startMailSink(options: { host: string; smtpPort: number; webPort: number; mailDirectory: string }): Promise<MailSink> {
  const smtpPort = options.smtpPort || (await freePort(options.host));
  const webPort = options.webPort || (await freePort(options.host));
  await mkdir(options.mailDirectory, { recursive: true });
  const maildev = new MailDev({
    smtp: smtpPort,
    web: webPort,
    ip: options.host,
    webIp: options.host,
    silent: true,
    mcp: false,
    mailDirectory: options.mailDirectory,
  });
  await maildev.start();
  const webUrl = `http://${options.host}:${webPort}`;
  return {
    smtpHost: options.host,
    smtpPort,
    webUrl,
    async messages() {
      const response = await fetch(`${webUrl}/api/email?sort=asc&limit=1000`);
      if (!response.ok) throw new Error(`the mail sink answered ${response.status}`);
      return (await response.json()) as SunkMail[];
    },
    close: () => maildev.stop(),
  };
}
