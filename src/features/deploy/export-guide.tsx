// What to do with an exported file, shown right after the export: where the TF.js zip runs (a web
// page, Node, Teachable Machine's library) and how to put the demo site online.
export function ExportGuide(props: { file: string; size: string; kind: 'tfjs' | 'site'; inputSize: number; trainingSize: number }) {
  const n = props.inputSize;
  return (
    <div className="export-guide" data-testid="export-guide" role="status">
      <p>
        <strong>Saved {props.file}</strong> ({props.size}).
      </p>
      {props.kind === 'tfjs' ? (
        <>
          <p>It holds the whole model (model.json, its weights, and metadata.json with the class names). Unzip it, then:</p>
          <ul>
            <li>
              <strong>In a web page</strong>: load it with Teachable Machine’s library, <code>await tmImage.load('model.json', 'metadata.json')</code>, then <code>model.predict(img)</code>.
            </li>
            <li>
              <strong>In Node</strong>: <code>tf.loadLayersModel('file://…/model.json')</code> from <code>@tensorflow/tfjs-node</code>, then feed images prepared as below.
            </li>
            <li data-testid="export-recipe">
              <strong>To get the studio’s numbers</strong>, prepare each photo as the studio does (metadata.json, <code>studio.preprocessing.toMatchStudio</code>): apply its EXIF orientation; resize the whole photo so its shorter side is {props.trainingSize} px with high-quality downsampling; take the centre square and resize it to {n}×{n}; feed RGB values <code>x / 127 − 1</code>, shape [1, {n}, {n}, 3]. Teachable Machine’s library resizes the full photo in one step instead, which moves class probabilities by 0.03 on average on real photos (up to 0.35 near the decision boundary); give it the {n}×{n} square to get the studio’s numbers.
            </li>
            <li>
              <strong>Back in the studio</strong>: <em>Import a model (.zip)</em> on this tab brings it back as a model version.
            </li>
          </ul>
        </>
      ) : (
        <p>A ready-made page that classifies photos and webcam frames. Unzip it and put the folder on any static host (GitHub Pages, Netlify, a school server); open its index.html there. It needs no server code.</p>
      )}
    </div>
  );
}
