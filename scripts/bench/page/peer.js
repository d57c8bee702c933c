// The peer, run in peer.html: Teachable Machine's own library (@teachablemachine/image, global
// tmImage) trained with its defaults on the images the bench lists, then asked for its predictions
// on the validation images. The bench calls window.runPeer(...) and gets every timing back.
/* global tf, tmImage */

window.__longTasks = [];
new PerformanceObserver((l) => l.getEntries().forEach((e) => window.__longTasks.push({ start: e.startTime, duration: e.duration }))).observe({ type: 'longtask' });

async function loadImage(url) {
  const img = new Image();
  img.src = url;
  await img.decode();
  return img;
}

/** Teachable Machine's cropTo (src/utils/canvas.ts, not exported by the UMD): centre square, scaled to `size`. */
function cropTo(image, size) {
  const min = Math.min(image.width, image.height);
  const scale = size / min;
  const w = Math.ceil(image.width * scale);
  const h = Math.ceil(image.height * scale);
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = size;
  canvas.getContext('2d').drawImage(image, ~~((w - size) / 2) * -1, ~~((h - size) / 2) * -1, w, h);
  return canvas;
}

const argmax = (xs) => xs.indexOf(Math.max(...xs));

/** mulberry32: the peer has no seed of its own; tfjs draws its initial weights, dropout masks and shuffles from Math.random. */
function seededRandom(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

window.runPeer = async function runPeer({ backend, modelOptions, labels, train, val, params, seed }) {
  if (seed != null) Math.random = seededRandom(seed);
  const now = () => performance.now();
  const start = now();
  // The bench's own scoring work (validation features, per-epoch scoring), kept out of the peer's responsiveness figure.
  const benchWindows = [];
  const out = { requestedBackend: backend ?? 'default', registeredBackends: Object.keys(tf.engine().registryFactory) };
  let t = now();
  if (backend) {
    const ok = await Promise.race([tf.setBackend(backend).catch(() => false), new Promise((r) => setTimeout(() => r(false), 30_000))]);
    if (!ok) throw new Error(`tf.setBackend('${backend}') failed or timed out`);
  }
  await tf.ready();
  out.backend = tf.getBackend();
  out.tensorsAtStart = tf.memory().numTensors;
  out.backendSeconds = (now() - t) / 1000;

  // 1. The base model, as the library loads it (from storage.googleapis.com, answered locally).
  t = now();
  const model = await tmImage.createTeachable({ tfjsVersion: tf.version.tfjs, modelName: 'bench' }, modelOptions);
  model.setLabels(labels);
  out.loadSeconds = (now() - t) / 1000;

  // 2. Training images: decode each, crop to 224 as the Teachable Machine site does, addExample
  //    (= one forward pass of the truncated MobileNet, batch 1).
  let decode = 0;
  let add = 0;
  for (const { url, label } of train) {
    t = now();
    const img = await loadImage(url);
    const canvas = cropTo(img, 224);
    decode += now() - t;
    t = now();
    await model.addExample(label, canvas);
    add += now() - t;
  }
  out.decodeSeconds = decode / 1000;
  out.addExampleSeconds = add / 1000;
  out.trainImages = train.length;

  // Validation features, cached outside the timed phases, so each epoch can be scored on the same
  // validation images the studio uses (the library itself only reports its internal 15% holdout).
  t = now();
  const valFeatures = [];
  for (const { url } of val) {
    const img = await loadImage(url);
    const x = tf.tidy(() => tf.browser.fromPixels(cropTo(img, 224)).toFloat().div(127).sub(1).expandDims(0));
    const f = model.truncatedModel.predict(x);
    valFeatures.push(f.dataSync().slice());
    tf.dispose([x, f]);
  }
  out.untimedValFeatureSeconds = (now() - t) / 1000;
  benchWindows.push([t, now()]);
  const valLabels = val.map((v) => v.label);
  const scoreCached = () =>
    tf.tidy(() => {
      const p = model.trainingModel.predict(tf.tensor2d(valFeatures.flatMap((f) => Array.from(f)), [valFeatures.length, valFeatures[0].length]));
      const pred = p.argMax(1).dataSync();
      return valLabels.filter((l, i) => pred[i] === l).length / valLabels.length;
    });

  // 3. Training with the library's defaults; the per-epoch scoring is timed and taken out.
  const curve = [];
  let inCallbacks = 0;
  t = now();
  await model.train(params, {
    onEpochEnd: async (epoch, logs) => {
      const c = now();
      const valAcc = scoreCached();
      curve.push({ epoch: epoch + 1, trainSeconds: (c - t - inCallbacks) / 1000, valAcc, tmHoldoutAcc: logs.val_acc ?? logs.val_accuracy ?? null, loss: logs.loss });
      inCallbacks += now() - c;
      benchWindows.push([c, now()]);
    },
  });
  const trainEnd = now();
  out.trainSeconds = (trainEnd - t - inCallbacks) / 1000;
  out.epochs = curve.length;
  out.curve = curve;

  // 4. The library's own predict() on each validation image (it crops to 224 itself).
  t = now();
  let correct = 0;
  for (const { url, label } of val) {
    const img = await loadImage(url);
    const probs = await model.predict(img);
    if (argmax(probs.map((p) => p.probability)) === label) correct++;
  }
  out.predictSeconds = (now() - t) / 1000;
  out.valImages = val.length;
  out.valAccuracy = correct / val.length;
  out.totalSeconds = (now() - start) / 1000 - out.untimedValFeatureSeconds - inCallbacks / 1000;
  model.dispose();
  out.tensorsAtEnd = tf.memory().numTensors;
  // Only the peer's own work: loading, addExample and training (not the bench's scoring, nor predict on the scored images).
  const ours = (x) => benchWindows.some(([a, b]) => x.start < b && x.start + x.duration > a);
  const tasks = window.__longTasks.filter((x) => x.start >= start && x.start < trainEnd && !ours(x));
  out.longTasks = tasks.length;
  out.longestTaskMs = Math.round(Math.max(0, ...tasks.map((x) => x.duration)));
  out.heapBytes = performance.memory?.usedJSHeapSize ?? null;
  return out;
};
