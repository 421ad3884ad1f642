import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../chromium';
import { test, expect, assistantMessages, content, openChat } from './support/fixtures';

/**
 * Voice: Chromium's fake microphone plays a WAV this file writes (a
 * 440 Hz tone at half of full scale, one second, which Chromium loops).
 * The user records a little over two seconds and stops; the demo's
 * on_audio_end says how much audio its on_audio_chunk received and plays
 * it back with stream_audio.
 *
 * How exact: the recording's length is whatever the user's clicks made
 * it, and the file loops, so the test does not compare with the file's
 * length but with what the page says it sent (`data-sent-ms` on the
 * button, counted from the worklet's chunks): the app must have received
 * exactly that (to the demo's 10 ms rounding), and it must be about as
 * long as the time between the clicks. The tone's peak level checks that
 * the samples are the microphone's, not silence.
 */
const WAV = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'loquat-audio-')), 'tone.wav');

/** A mono PCM16 WAV of `seconds` of a `hz` tone at `level` of full scale. */
function writeTone(file: string, seconds: number, hz: number, level: number): void {
  const rate = 48_000;
  const samples = Math.round(rate * seconds);
  const data = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++) {
    data.writeInt16LE(Math.round(Math.sin((2 * Math.PI * hz * i) / rate) * level * 32767), i * 2);
  }
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVE', 8);
  header.write('fmt ', 12);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(data.length, 40);
  fs.writeFileSync(file, Buffer.concat([header, data]));
}

writeTone(WAV, 1, 440, 0.5);

test.use({
  serverEnv: { LOQUAT_FEATURES_AUDIO_ENABLED: 'true', LOQUAT_DEMO_TOKENS_PER_SEC: '0' },
  // The project's launch options, with a fake microphone playing the WAV.
  launchOptions: {
    executablePath: CHROMIUM_PATH,
    args: [
      ...CHROMIUM_ARGS,
      '--use-fake-ui-for-media-stream',
      '--use-fake-device-for-media-stream',
      `--use-file-for-fake-audio-capture=${WAV}`,
    ],
  },
});

test('the user records their voice, the app hears all of it and answers with audio that plays as it arrives', async ({
  page,
}) => {
  await openChat(page);
  const mic = page.getByTestId('composer-mic');
  await expect(mic).toHaveAttribute('data-state', 'off');

  await mic.click();
  await expect(mic).toHaveAttribute('data-state', 'recording');
  const started = Date.now();
  // Recording until the page has sent two seconds of audio.
  await expect
    .poll(async () => Number(await mic.getAttribute('data-sent-ms')), { timeout: 15_000 })
    .toBeGreaterThanOrEqual(2_000);
  await mic.click();
  await expect(mic).toHaveAttribute('data-state', 'off');
  const wallMs = Date.now() - started;
  const sentMs = Number(await mic.getAttribute('data-sent-ms'));

  const reply = assistantMessages(page).filter({ hasText: 'I heard' });
  await expect(reply).toHaveCount(1, { timeout: 15_000 });
  const text = (await content(reply).textContent()) ?? '';
  const heard = /I heard ([\d.]+) seconds of audio \((\d+) chunks at 24000 Hz, peak level (\d+)%\)/.exec(text);
  expect(heard, text).not.toBeNull();
  const heardMs = Number(heard![1]) * 1000;
  // Everything the page sent reached the hooks (the demo rounds to 10 ms)…
  expect(Math.abs(heardMs - sentMs)).toBeLessThanOrEqual(5);
  // …in 100 ms chunks (the last one shorter)…
  expect(Number(heard![2])).toBe(Math.ceil(sentMs / 100));
  // …and it is the recording: as long as the clicks apart (give or take
  // the microphone's start-up and the worklet's last chunk), and the
  // tone, not silence (the browser's voice processing, on by default,
  // turns the file's 50 % down a little: 39 % here).
  expect(heardMs).toBeGreaterThanOrEqual(2_000);
  expect(heardMs).toBeLessThanOrEqual(wallMs + 200);
  expect(Number(heard![3])).toBeGreaterThanOrEqual(20);
  expect(Number(heard![3])).toBeLessThanOrEqual(60);

  // The echo plays: every piece received, started before the stream
  // ended, and the audio clock ran through all of it.
  const player = page.getByTestId('audio-player');
  await expect(player).toHaveAttribute('data-state', 'done', { timeout: 30_000 });
  const receivedMs = Number(await player.getAttribute('data-received-ms'));
  expect(Math.abs(receivedMs - heardMs)).toBeLessThanOrEqual(10);
  await expect(player).toHaveAttribute('data-started-early', 'true');
  expect(Number(await player.getAttribute('data-played-ms'))).toBeGreaterThanOrEqual(receivedMs - 20);
});

test.describe('without [features.audio] enabled (the default)', () => {
  test.use({ serverEnv: { LOQUAT_DEMO_TOKENS_PER_SEC: '0' } });

  test('the composer has no microphone button', async ({ page }) => {
    await openChat(page);
    await expect(page.getByTestId('composer-send')).toBeVisible();
    await expect(page.getByTestId('composer-mic')).toHaveCount(0);
  });
});
