// Drag-and-drop handlers for a drop target: highlights while dragging files over it and
// hands the drop's files and folders to the import job.
import { useState, type DragEvent } from 'react';
import { collectFromDataTransfer, type Collected } from '../../import/collect-files';

export function useDrop(onFiles: (c: Collected) => void) {
  const [over, setOver] = useState(false);
  const hasFiles = (e: DragEvent) => Array.from(e.dataTransfer.types).includes('Files');
  return {
    over,
    handlers: {
      onDragOver: (e: DragEvent) => {
        if (!hasFiles(e)) return;
        e.preventDefault();
        e.stopPropagation();
        e.dataTransfer.dropEffect = 'copy';
        if (!over) setOver(true);
      },
      onDragLeave: (e: DragEvent) => {
        if (e.currentTarget.contains(e.relatedTarget as Node | null)) return;
        setOver(false);
      },
      onDrop: (e: DragEvent) => {
        if (!hasFiles(e)) return;
        e.preventDefault();
        e.stopPropagation();
        setOver(false);
        // Entries must be read synchronously inside the drop event.
        void collectFromDataTransfer(e.dataTransfer).then(onFiles);
      },
    },
  };
}
