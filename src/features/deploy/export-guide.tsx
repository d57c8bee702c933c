// What to do with an exported file, shown right after the export: where the TF.js zip runs (a web
// page, Node, Teachable Machine's library) and how to put the demo site online.
export function ExportGuide(props: { file: string; size: string; kind: 'tfjs' | 'site' }) {
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
              <strong>In Node</strong>: <code>tf.loadLayersModel('file://…/model.json')</code> from <code>@tensorflow/tfjs-node</code>; feed 224×224 images scaled to −1…1.
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
