// Loquat's microphone worklet (GET /audio/worklet.js; see docs/audio.md).
// It runs on the browser's audio thread: it mixes the microphone to mono,
// resamples it (linear interpolation) from the audio context's rate to the
// app's `[features.audio] sample_rate`, converts it to 16-bit PCM and posts
// chunks of `chunkMs` to the page as transferred ArrayBuffers. The page
// sends "stop": the worklet posts what it holds (so no tail is lost) and
// then "end". Plain JavaScript, loaded with audioWorklet.addModule: the
// page's CSP allows it as a script of the site ('self').
class LoquatRecorder extends AudioWorkletProcessor {
  constructor(options) {
    super();
    const opts = (options && options.processorOptions) || {};
    this.rate = opts.sampleRate || sampleRate;
    // Input samples per output sample.
    this.step = sampleRate / this.rate;
    // Where the next output sample is read, in input samples from the
    // start of the current block (-1 is the last sample of the previous).
    this.at = 0;
    this.last = 0;
    this.chunk = new Int16Array(Math.max(1, Math.round((this.rate * (opts.chunkMs || 100)) / 1000)));
    this.filled = 0;
    this.stopped = false;
    this.port.onmessage = (event) => {
      if (event.data === 'stop' && !this.stopped) {
        this.stopped = true;
        this.flush();
        this.port.postMessage('end');
      }
    };
  }

  flush() {
    if (this.filled > 0) {
      const out = this.chunk.slice(0, this.filled);
      this.port.postMessage(out.buffer, [out.buffer]);
      this.filled = 0;
    }
  }

  push(sample) {
    const s = Math.max(-1, Math.min(1, sample));
    this.chunk[this.filled++] = s < 0 ? s * 0x8000 : s * 0x7fff;
    if (this.filled === this.chunk.length) this.flush();
  }

  process(inputs) {
    if (this.stopped) return false;
    const channels = inputs[0];
    if (!channels || channels.length === 0) return true;
    const n = channels[0].length;
    let mono = channels[0];
    if (channels.length > 1) {
      mono = new Float32Array(n);
      for (const ch of channels) for (let i = 0; i < n; i++) mono[i] += ch[i] / channels.length;
    }
    let at = this.at;
    while (at < n - 1) {
      const i = Math.floor(at);
      const a = i < 0 ? this.last : mono[i];
      const b = mono[i + 1];
      this.push(a + (b - a) * (at - i));
      at += this.step;
    }
    this.at = at - n;
    this.last = mono[n - 1];
    return true;
  }
}

registerProcessor('loquat-recorder', LoquatRecorder);
