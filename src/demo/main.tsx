// Entry point of the standalone demo page (demo.html): one shared or exported model, classified
// in the browser. See hash.ts for the address formats.
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { DemoApp } from './demo-app';
import './demo.css';

// A file dropped while the model is still loading must not navigate away from the page.
for (const type of ['dragover', 'drop'] as const) {
  window.addEventListener(type, (e) => {
    if (Array.from(e.dataTransfer?.types ?? []).includes('Files')) e.preventDefault();
  });
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <DemoApp />
  </StrictMode>,
);
