import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import type { MailSender } from './mail-delivery.ts';

/**
 * The AWS sender: SES v2 `SendEmail` from the challenge's verified identity (`notifications.fromAddress`),
 * text only, with the one-click unsubscribe headers. The local stack sends the same messages over
 * SMTP to maildev (local/mail/smtp-mail-sender.ts).
 */
export function sesMailSender(client: SESv2Client = new SESv2Client({})): MailSender {
  return {
    async send(mail) {
      await client.send(
        new SendEmailCommand({
          FromEmailAddress: mail.from,
          Destination: { ToAddresses: [mail.to] },
          Content: {
            Simple: {
              Subject: { Data: mail.subject, Charset: 'UTF-8' },
              Body: { Text: { Data: mail.text, Charset: 'UTF-8' } },
              Headers: Object.entries(mail.headers).map(([Name, Value]) => ({ Name, Value })),
            },
          },
        }),
      );
    },
  };
}
