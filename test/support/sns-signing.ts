/**
 * Signing AWS SNS messages the way SNS does, with a key and self-signed certificate made for the test by the
 * openssl the machine ships (as the HTTPS test does: no dependency, and the certificate can carry the SNS host
 * names so it also serves as the TLS certificate of a local "sns.<region>.amazonaws.com"). The canonical
 * string is written here from AWS's documentation, independently of GenHook's code.
 */
import { execFileSync } from 'node:child_process';
import { sign } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { tempDir } from './temp-dir.js';

export const SNS_HOSTS = ['sns.us-east-1.amazonaws.com', 'sns.cn-north-1.amazonaws.com.cn'];
export const CERT_FILE = 'SimpleNotificationService-0123456789abcdef0123456789abcdef.pem';
export const CERT_URL = `https://sns.us-east-1.amazonaws.com/${CERT_FILE}`;

export interface SnsSigner {
  /** Folder holding `CERT_FILE` (usable as sns_cert_dir) and the key. */
  readonly dir: string;
  readonly certPem: string;
  readonly keyPem: string;
  /** The message with Signature, SignatureVersion and SigningCertURL added. */
  sign(message: Record<string, string>, options?: { version?: '1' | '2'; certUrl?: string }): Record<string, string>;
}

/** Why SNS tests cannot run here, or undefined when they can. */
export function snsSigningUnavailable(): string | undefined {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return undefined;
  } catch {
    return 'openssl is not installed (apt-get install openssl); the SNS signature tests need it to make a test certificate';
  }
}

export async function createSnsSigner(): Promise<SnsSigner> {
  const dir = await tempDir('genhook-sns-');
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', `/CN=${SNS_HOSTS[0]}`,
    '-addext', `subjectAltName=${SNS_HOSTS.map((host) => `DNS:${host}`).join(',')}`,
    '-keyout', join(dir, 'key.pem'), '-out', join(dir, CERT_FILE),
  ], { stdio: 'ignore' });
  const certPem = await readFile(join(dir, CERT_FILE), 'utf8');
  const keyPem = await readFile(join(dir, 'key.pem'), 'utf8');
  return {
    dir,
    certPem,
    keyPem,
    sign(message, { version = '2', certUrl = CERT_URL } = {}) {
      const fields =
        message['Type'] === 'Notification'
          ? ['Message', 'MessageId', 'Subject', 'Timestamp', 'TopicArn', 'Type']
          : ['Message', 'MessageId', 'SubscribeURL', 'Timestamp', 'Token', 'TopicArn', 'Type'];
      const canonical = fields
        .filter((field) => message[field] !== undefined)
        .map((field) => `${field}\n${message[field]}\n`)
        .join('');
      const signature = sign(version === '1' ? 'sha1' : 'sha256', Buffer.from(canonical, 'utf8'), keyPem).toString('base64');
      return { ...message, SignatureVersion: version, Signature: signature, SigningCertURL: certUrl };
    },
  };
}

/** A Notification as SNS posts it (before signing). */
export function notification(id: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    Type: 'Notification',
    MessageId: id,
    TopicArn: 'arn:aws:sns:us-east-1:123456789012:alarms',
    Subject: 'ALARM: "cpu" in US East',
    Message: `disk full on ${id}`,
    Timestamp: new Date().toISOString(),
    UnsubscribeURL: 'https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=arn:aws:sns:us-east-1:123456789012:alarms:1',
    ...extra,
  };
}

/** A SubscriptionConfirmation (or UnsubscribeConfirmation) as SNS posts it (before signing). */
export function confirmation(id: string, subscribeUrl: string, type = 'SubscriptionConfirmation'): Record<string, string> {
  return {
    Type: type,
    MessageId: id,
    Token: '2336412f37fb687f5d51e6e2425c464de',
    TopicArn: 'arn:aws:sns:us-east-1:123456789012:alarms',
    Message: 'You have chosen to subscribe to the topic arn:aws:sns:us-east-1:123456789012:alarms.',
    SubscribeURL: subscribeUrl,
    Timestamp: new Date().toISOString(),
  };
}
