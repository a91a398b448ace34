/**
 * Sends sign-in links. With SMTP_URL set, over SMTP (nodemailer). Without it (the embedded default,
 * development mode), the message is written to DATA_DIR/outbox/*.eml and the link alone to the server log,
 * clearly marked DEVELOPMENT MODE. The email address itself is never logged.
 */
import fs from 'node:fs';
import path from 'node:path';
import nodemailer from 'nodemailer';
import type { FastifyBaseLogger } from 'fastify';
import type { AuthConfig } from './config.ts';

export interface SignInEmail {
  to: string;
  link: string;
  minutes: number;
  serviceName: string;
}

export interface Mailer {
  sendSignInLink(message: SignInEmail, log: FastifyBaseLogger): Promise<void>;
}

export function signInEmailText(m: SignInEmail): { subject: string; text: string } {
  return {
    subject: `Your sign-in link for ${m.serviceName}`,
    text: [
      `Use this link to sign in to ${m.serviceName}:`,
      '',
      m.link,
      '',
      `The link works once, for ${m.minutes} minutes. Open it, then select "Sign in" on the page it shows.`,
      'In a different browser or on another device, it asks for the code shown where you asked for the link.',
      '',
      'If you did not ask to sign in, you can ignore this email. Do not enter a code anyone gives you.',
    ].join('\n'),
  };
}

export function createMailer(config: AuthConfig, dataDir: string): Mailer {
  if (config.smtpUrl) {
    const transport = nodemailer.createTransport(config.smtpUrl);
    return {
      async sendSignInLink(m, log) {
        const { subject, text } = signInEmailText(m);
        await transport.sendMail({ from: config.mailFrom, to: m.to, subject, text });
        log.info('sign-in link sent by SMTP');
      },
    };
  }
  const outbox = path.join(dataDir, 'outbox');
  const stream = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  return {
    async sendSignInLink(m, log) {
      const { subject, text } = signInEmailText(m);
      const info = await stream.sendMail({ from: config.mailFrom, to: m.to, subject, text });
      fs.mkdirSync(outbox, { recursive: true });
      const file = path.join(
        outbox,
        `${new Date().toISOString().replace(/[:.]/g, '-')}-${process.hrtime.bigint()}.eml`,
      );
      fs.writeFileSync(file, info.message as Buffer, { mode: 0o600 });
      log.warn(`DEVELOPMENT MODE (no SMTP_URL set): sign-in link ${m.link} (also in ${outbox})`);
    },
  };
}
