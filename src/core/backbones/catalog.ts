// The built-in pretrained backbones the studio offers: where each is downloaded from, where to cut
// it, how to preprocess pixels for it, and its size, so the UI can list them and the loader fetch them.

export type BackboneFamily = 'mobilenet-v2' | 'mobilenet-v1' | 'mobilenet-v3' | 'custom';

export interface BackbonePreprocessing {
  /** Pixel values v in 0..255 become v * scale + offset. */
  scale: number;
  offset: number;
  /** 'center-crop': largest centred square, then resize; 'stretch': resize the whole image. */
  resize: 'center-crop' | 'stretch';
}

export interface BackboneSpec {
  id: string;
  name: string;
  family: BackboneFamily;
  format: 'layers' | 'graph';
  /** model.json URL; for `fromTFHub` specs the TF Hub model handle instead. */
  url: string;
  fromTFHub?: boolean;
  /** Square input side in pixels. */
  inputSize: number;
  /** Layer whose output is the feature map (layers models only). */
  cutLayer?: string;
  /** Channels of the cut layer's output (or length of a graph model's feature vector). */
  featureDim: number;
  preprocessing: BackbonePreprocessing;
  /** Parameters of the backbone as used (after the cut), BatchNorm moving statistics included. */
  params: number;
  /** Approximate bytes fetched (all weight shards plus model.json). */
  downloadBytes: number;
  license: string;
  source: string;
  /** Whether layers can be unfrozen and trained (true only for layers models). */
  fineTunable: boolean;
  notes?: string;
}

/** MobileNet v1/v2 Keras weights expect pixels in [-1, 1]. */
const MINUS_ONE_TO_ONE: BackbonePreprocessing = { scale: 1 / 127.5, offset: -1, resize: 'center-crop' };
/** TF Hub image models follow the common signature: pixels in [0, 1]. */
const ZERO_TO_ONE: BackbonePreprocessing = { scale: 1 / 255, offset: 0, resize: 'center-crop' };

const KB = 1024;

// Parameter counts follow the Keras MobileNetV2 / MobileNet definitions (make_divisible(·, 8) for v2,
// int(filters·α) for v1; BatchNorm adds 4 numbers per channel); checked against the stored 0.35 v2
// (410,208) and 0.25 v1 (218,544) no-top weights. For α ≤ 1 MobileNetV2's last conv stays 1280 wide.
const V2: Array<[alpha: string, params: number]> = [
  ['0.35', 410_208],
  ['0.50', 706_224],
  ['0.75', 1_382_064],
  ['1.00', 2_257_984],
];

// The tfjs-models v1 files include the ImageNet top (1000-way 1x1 conv with bias), which is
// downloaded but dropped by the cut: downloadBytes counts it, params does not.
const V1: Array<[alpha: string, urlAlpha: string, params: number, featureDim: number]> = [
  ['0.25', '0.25', 218_544, 256],
  ['0.50', '0.50', 829_536, 512],
  ['0.75', '0.75', 1_832_976, 768],
  ['1.00', '1.0', 3_228_864, 1024],
];

const mobilenetV2: BackboneSpec[] = V2.map(([alpha, params]) => ({
  id: `mobilenet-v2-${alpha}`,
  name: `MobileNetV2 α${alpha} (224)`,
  family: 'mobilenet-v2',
  format: 'layers',
  url: `https://storage.googleapis.com/teachable-machine-models/mobilenet_v2_weights_tf_dim_ordering_tf_kernels_${alpha}_224_no_top/model.json`,
  inputSize: 224,
  cutLayer: 'out_relu',
  featureDim: 1280,
  preprocessing: MINUS_ONE_TO_ONE,
  params,
  downloadBytes: params * 4 + 90 * KB,
  license: 'Apache-2.0',
  source: 'Keras Applications MobileNetV2 ImageNet weights (no top), converted by Teachable Machine',
  fineTunable: true,
}));

const mobilenetV1: BackboneSpec[] = V1.map(([alpha, urlAlpha, params, featureDim]) => ({
  id: `mobilenet-v1-${alpha}`,
  name: `MobileNet v1 α${alpha} (224)`,
  family: 'mobilenet-v1',
  format: 'layers',
  url: `https://storage.googleapis.com/tfjs-models/tfjs/mobilenet_v1_${urlAlpha}_224/model.json`,
  inputSize: 224,
  cutLayer: 'conv_pw_13_relu',
  featureDim,
  preprocessing: MINUS_ONE_TO_ONE,
  params,
  downloadBytes: (params + featureDim * 1000 + 1000) * 4 + 50 * KB,
  license: 'Apache-2.0',
  source: 'Keras Applications MobileNet ImageNet weights, converted by tfjs-models',
  fineTunable: true,
  notes: 'The download includes the ImageNet classifier, which is cut away.',
}));

// TF Hub handles confirmed from tensorflow/tfhub.dev docs (…/feature_vector/5/default/tfjs/1.md):
// input [0, 1], fixed 224x224; feature vectors of 1024 (small) and 1280 (large). Parameter counts
// are approximate (Keras MobileNetV3 without the logits layer); the graph has BatchNorm folded in.
const mobilenetV3: BackboneSpec[] = [
  {
    id: 'mobilenet-v3-small-100',
    name: 'MobileNetV3 Small 1.0 (224, feature vector)',
    family: 'mobilenet-v3',
    format: 'graph',
    url: 'https://tfhub.dev/google/tfjs-model/imagenet/mobilenet_v3_small_100_224/feature_vector/5/default/1',
    fromTFHub: true,
    inputSize: 224,
    featureDim: 1024,
    preprocessing: ZERO_TO_ONE,
    params: 1_530_000,
    downloadBytes: 6_100_000,
    license: 'Apache-2.0',
    source: 'TF Hub google/imagenet/mobilenet_v3_small_100_224/feature_vector/5 (TF.js)',
    fineTunable: false,
    notes: 'Graph model: frozen feature extractor; outputs a pooled [batch, 1024] vector. tfhub.dev redirects to Kaggle Models.',
  },
  {
    id: 'mobilenet-v3-large-100',
    name: 'MobileNetV3 Large 1.0 (224, feature vector)',
    family: 'mobilenet-v3',
    format: 'graph',
    url: 'https://tfhub.dev/google/tfjs-model/imagenet/mobilenet_v3_large_100_224/feature_vector/5/default/1',
    fromTFHub: true,
    inputSize: 224,
    featureDim: 1280,
    preprocessing: ZERO_TO_ONE,
    params: 4_230_000,
    downloadBytes: 16_900_000,
    license: 'Apache-2.0',
    source: 'TF Hub google/imagenet/mobilenet_v3_large_100_224/feature_vector/5 (TF.js)',
    fineTunable: false,
    notes: 'Graph model: frozen feature extractor; outputs a pooled [batch, 1280] vector. tfhub.dev redirects to Kaggle Models.',
  },
];

export const BACKBONES: BackboneSpec[] = [...mobilenetV2, ...mobilenetV1, ...mobilenetV3];

/** The default: smallest MobileNetV2, which Teachable Machine also uses. */
export const DEFAULT_BACKBONE_ID = 'mobilenet-v2-0.35';

export function getBackbone(id: string): BackboneSpec | undefined {
  return BACKBONES.find((b) => b.id === id);
}

/**
 * The URL of the model.json to fetch: TF Hub handles get `/model.json?tfjs-format=file` appended,
 * exactly as `tf.loadGraphModel(url, {fromTFHub: true})` does.
 */
export function modelJsonUrl(spec: Pick<BackboneSpec, 'url' | 'fromTFHub'>): string {
  if (!spec.fromTFHub) return spec.url;
  const base = spec.url.endsWith('/') ? spec.url : `${spec.url}/`;
  return `${base}model.json?tfjs-format=file`;
}
