// Loquat's audio in the page (GET /audio/client.js; see docs/audio.md):
// the microphone's recorder and the player of the app's voice. The app's
// WASM loads this script the first time the page records or plays, so
// pages that never do pay nothing for it; it keeps the connection and the
// protocol, and this script the Web Audio work.
//
// The WASM calls `loquatAudio(op)`:
//   { op: "toggle", button, rate, worklet, chunkMs }
//                                  the microphone button was clicked: ask
//                                  for the microphone and record, or stop
//                                  (the worklet's last chunk still goes)
//   { op: "cancel" }               the server ended the recording: stop now
//   { op: "play", stream, rate, data }   the next base64 PCM16 piece
//   { op: "end", stream }          the stream has no more pieces
// and this script answers through `loquatAudioHost(message)`, whose
// `true` means "go on":
//   { opened: rate }               recording: the WASM opens the stream
//   an ArrayBuffer                 a PCM16 chunk, sent as a binary frame
//   { ended: true }                the last chunk was delivered
//   { closed: true }               the recording ended or failed
// The script keeps the live state on the page's elements: the button's
// data-state (off, starting, recording, stopping), data-sent-ms and label,
// and the player chip's (.audio-status) data-state (idle, playing, done),
// data-received-ms, data-played-ms, data-started-early and `hidden`.
(() => {
  'use strict';
  if (window.loquatAudio) return;

  const host = (message) => {
    const answer = typeof window.loquatAudioHost === 'function' && window.loquatAudioHost(message);
    return answer === true;
  };

  // How far ahead of the audio clock a piece starts when nothing is
  // queued: room for the audio thread to pick it up.
  const LEAD_SECONDS = 0.05;

  // The recording: { context, stream, node }, or null.
  let recording = null;
  // Bumped by cancel, so a start still waiting for the microphone gives up.
  let attempt = 0;
  // The microphone button and what the recording sent.
  let button = null;
  let recordRate = 0;
  let sentBytes = 0;

  function show(state) {
    if (!button) return;
    const on = state !== 'off';
    button.dataset.state = state;
    button.dataset.sentMs = String(recordRate > 0 ? Math.floor((sentBytes * 1000) / 2 / recordRate) : 0);
    button.classList.toggle('recording', on);
    button.setAttribute('aria-pressed', String(on));
    const label = (on ? button.dataset.labelStop : button.dataset.labelRecord) || '';
    button.title = label;
    button.setAttribute('aria-label', label);
  }

  const stopTracks = (stream) => stream.getTracks().forEach((track) => track.stop());

  function close() {
    const r = recording;
    recording = null;
    if (r) {
      r.node.port.onmessage = null;
      stopTracks(r.stream);
      r.context.close().catch(() => {});
    }
    show('off');
  }

  async function record(chunkMs, worklet) {
    const mine = ++attempt;
    sentBytes = 0;
    show('starting');
    let stream = null;
    let context = null;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true });
      context = new AudioContext();
      await context.audioWorklet.addModule(worklet);
      if (mine !== attempt) throw new Error('cancelled');
      const node = new AudioWorkletNode(context, 'loquat-recorder', {
        processorOptions: { sampleRate: recordRate, chunkMs },
      });
      recording = { context, stream, node };
      if (!host({ opened: recordRate })) {
        close();
        return;
      }
      node.port.onmessage = (event) => {
        if (event.data instanceof ArrayBuffer) {
          const bytes = event.data.byteLength;
          if (host(event.data)) {
            sentBytes += bytes;
            show(button.dataset.state);
          } else {
            close();
          }
        } else if (event.data === 'end') {
          host({ ended: true });
          close();
        }
      };
      context.createMediaStreamSource(stream).connect(node);
      // Connected to the output (it writes silence) so the graph pulls it.
      node.connect(context.destination);
      show('recording');
    } catch (err) {
      if (mine !== attempt) return;
      console.warn('loquat: recording failed', err);
      if (recording) {
        close();
      } else {
        if (stream) stopTracks(stream);
        if (context) context.close().catch(() => {});
        show('off');
      }
      host({ closed: true });
    }
  }

  function toggle(op) {
    const state = op.button && op.button.dataset.state;
    if (state === 'recording' && recording) {
      show('stopping');
      recording.node.port.postMessage('stop');
      stopTracks(recording.stream);
    } else if (!recording && state !== 'starting' && state !== 'stopping') {
      button = op.button;
      recordRate = op.rate;
      record(op.chunkMs, op.worklet);
    }
  }

  function cancel() {
    attempt++;
    close();
  }

  // The app's voice: each piece becomes an AudioBuffer started where the
  // previous one ends on the audio clock, so pieces play back to back
  // from the first one on, however the rest arrives. A piece that comes
  // after the previous ended starts a moment from now (a gap, not an
  // overlap). A new stream replaces the last one's bookkeeping.
  let context = null;
  let player = null;

  function report() {
    const chip = document.querySelector('.audio-status');
    if (!chip) return;
    chip.dataset.state = player.state;
    chip.dataset.receivedMs = String(player.receivedMs);
    chip.dataset.playedMs = String(player.playedMs);
    chip.dataset.startedEarly = String(player.startedEarly);
    chip.hidden = player.state !== 'playing';
  }

  function finishIfDone() {
    if (!player.ended || player.pending > 0 || player.first === null) return;
    player.state = 'done';
    player.playedMs = Math.round((context.currentTime - player.first) * 1000);
    report();
  }

  function play(stream, rate, data) {
    let bytes;
    try {
      bytes = atob(data);
    } catch {
      return;
    }
    const count = bytes.length >> 1;
    if (count === 0 || !(rate > 0)) return;
    const samples = new Float32Array(count);
    for (let i = 0; i < count; i++) {
      const v = bytes.charCodeAt(2 * i) | (bytes.charCodeAt(2 * i + 1) << 8);
      samples[i] = (v >= 0x8000 ? v - 0x10000 : v) / 32768;
    }
    if (!context) context = new AudioContext();
    if (!player || player.stream !== stream) {
      player = { stream, next: 0, first: null, pending: 0, ended: false, state: 'playing', receivedMs: 0, playedMs: 0, startedEarly: false };
    }
    context.resume().catch(() => {});
    const buffer = context.createBuffer(1, count, rate);
    buffer.copyToChannel(samples, 0);
    const source = context.createBufferSource();
    source.buffer = buffer;
    source.connect(context.destination);
    const now = context.currentTime;
    const at = player.next > now ? player.next : now + LEAD_SECONDS;
    source.start(at);
    if (player.first === null) player.first = at;
    const seconds = count / rate;
    player.next = at + seconds;
    player.pending++;
    player.receivedMs += Math.round(seconds * 1000);
    const mine = player;
    source.onended = () => {
      if (player !== mine) return;
      mine.pending--;
      finishIfDone();
    };
    report();
  }

  function end(stream) {
    if (!player || player.stream !== stream) return;
    player.ended = true;
    player.startedEarly = player.first !== null && context.currentTime >= player.first;
    report();
    finishIfDone();
  }

  window.loquatAudio = (op) => {
    switch (op && op.op) {
      case 'toggle':
        toggle(op);
        break;
      case 'cancel':
        cancel();
        break;
      case 'play':
        play(op.stream, op.rate, op.data);
        break;
      case 'end':
        end(op.stream);
        break;
    }
  };
})();
