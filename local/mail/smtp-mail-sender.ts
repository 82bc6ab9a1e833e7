import nodemailer from 'nodemailer';
import type { MailSender } from '#shared/notifications/mail-delivery.ts';

/** The local stack's sender: SMTP to the mail sink (maildev). On AWS, ses-mail-sender.ts sends the same messages with SES v2. */
export function smtpMailSender(host: string, port: number): MailSender {
  const transport = nodemailer.createTransport({ host, port, secure: false, ignoreTLS: true });
  return {
    async send(mail) {
      await transport.sendMail({ from: mail.from, to: mail.to, subject: mail.subject, text: mail.text, headers: mail.headers });
    },
  };
}
