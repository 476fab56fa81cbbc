import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { createTransport, type Transporter } from 'nodemailer';
import { AppConfig } from '../../../config/app-config';

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html: string;
}

/**
 * Sends mail over SMTP_URL with nodemailer. Without SMTP_URL (development),
 * the message is written to the log instead, links included, so a developer
 * can follow them; production deployments must set SMTP_URL.
 */
@Injectable()
export class Mailer implements OnModuleDestroy {
  private readonly logger = new Logger('Mailer');
  private readonly transport: Transporter | null;

  constructor(private readonly config: AppConfig) {
    this.transport =
      config.smtpUrl === undefined
        ? null
        : createTransport({
            url: config.smtpUrl,
            // Connections are kept and reused, one per concurrent send: a new SMTP
            // session (connect, greeting, EHLO, TLS) per message cost more than the message.
            pool: true,
            maxConnections: config.mail.concurrency,
            // Fail a send in bounded time; the queue retries it.
            connectionTimeout: 10_000,
            greetingTimeout: 10_000,
            socketTimeout: 30_000,
          });
    if (this.transport === null && config.nodeEnv === 'production') {
      this.logger.warn('SMTP_URL is not set: outgoing mail is written to the log, not sent.');
    }
  }

  async send(mail: OutgoingMail): Promise<void> {
    if (this.transport === null) {
      this.logger.log({
        msg: 'Mail (SMTP_URL unset, not sent)',
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
      });
      return;
    }
    await this.transport.sendMail({ from: this.config.mailFrom, ...mail });
  }

  onModuleDestroy(): void {
    this.transport?.close();
  }
}
