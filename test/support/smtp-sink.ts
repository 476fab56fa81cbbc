import { SMTPServer, type SMTPServerSession } from 'smtp-server';

export interface ReceivedMail {
  from: string;
  to: string[];
  /** The whole message as sent (headers and body). */
  raw: string;
  subject: string;
}

function headerValue(raw: string, name: string): string {
  const match = new RegExp(`^${name}:\\s*(.*(?:\\r?\\n[ \\t].*)*)`, 'im').exec(raw);
  return match?.[1]?.replace(/\r?\n[ \t]+/g, ' ').trim() ?? '';
}

/** An in-process SMTP server that keeps every message it receives, for tests to read. */
export class SmtpSink {
  readonly messages: ReceivedMail[] = [];
  private readonly waiters: Array<() => void> = [];
  private readonly server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData: (stream, session, callback) => {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const hold = this.hold;
        this.hold = undefined;
        hold?.arrived();
        void (hold?.released ?? Promise.resolve()).then(() =>
          this.answer(chunks, session, callback),
        );
      });
    },
  });

  port = 0;
  /** When each refused (see failNext) and each accepted message arrived, in ms since the epoch. */
  readonly refusedAt: number[] = [];
  readonly receivedAt: number[] = [];
  private failuresLeft = 0;
  private hold: { arrived: () => void; released: Promise<void> } | undefined;

  /** Accepts the message, or refuses it while failNext is in force. */
  private answer(
    chunks: Buffer[],
    session: SMTPServerSession,
    callback: (error?: Error | null) => void,
  ): void {
    if (this.failuresLeft > 0) {
      this.failuresLeft -= 1;
      this.refusedAt.push(Date.now());
      callback(Object.assign(new Error('Mailbox busy, try again later'), { responseCode: 451 }));
      return;
    }
    this.receivedAt.push(Date.now());
    const raw = Buffer.concat(chunks).toString('utf8');
    const envelope = session.envelope;
    this.messages.push({
      from: envelope.mailFrom === false ? '' : envelope.mailFrom.address,
      to: envelope.rcptTo.map((recipient) => recipient.address),
      raw,
      subject: headerValue(raw, 'Subject'),
    });
    this.waiters.splice(0).forEach((wake) => wake());
    callback();
  }

  /**
   * Holds the next message before answering it, as a slow server would.
   * `arrived` resolves once its data is in; the reply waits for `release()`.
   */
  holdNext(): { arrived: Promise<void>; release: () => void } {
    let arrived!: () => void;
    let release!: () => void;
    const arrivedPromise = new Promise<void>((resolve) => (arrived = resolve));
    const released = new Promise<void>((resolve) => (release = resolve));
    this.hold = { arrived, released };
    return { arrived: arrivedPromise, release };
  }

  /** Refuses the next `count` messages with a temporary SMTP error (451), as a struggling server would. */
  failNext(count: number): void {
    this.failuresLeft = count;
  }

  /** The accept link of a received invite mail (from its text part). */
  static linkIn(mail: ReceivedMail): URL {
    // Undo quoted-printable soft line breaks and escaped "=" before looking for the link.
    const decoded = mail.raw.replace(/=\r?\n/g, '').replace(/=3D/gi, '=');
    const match = /https?:\/\/[^\s"<>]+token=[\w-]+/.exec(decoded);
    if (match === null) throw new Error(`No link in mail: ${mail.raw}`);
    return new URL(match[0]);
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const address = this.server.server.address();
    this.port = typeof address === 'object' && address !== null ? address.port : 0;
    return this;
  }

  get url(): string {
    return `smtp://127.0.0.1:${this.port}`;
  }

  /** Resolves once `count` messages have arrived, or rejects after `timeoutMs`. */
  async waitFor(count: number, timeoutMs = 10_000): Promise<ReceivedMail[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.messages.length < count) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`Expected ${count} mail(s), received ${this.messages.length}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.messages.slice(0, count);
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
