// The virtualised image grid of one class: only the rows on screen exist in the DOM, so
// thousands of images scroll smoothly. Checkboxes select (Shift for a range); a tile opens
// the larger preview.
import { useEffect, useMemo, useRef, useState, type MouseEvent } from 'react';
import { useVirtualizer } from '@tanstack/react-virtual';
import { useStudio } from '../../stores/studio-store';
import type { ImageRecord } from '../../persistence/db';
import { useBlobUrl } from '../../components/data/use-blob-url';
import { ImagePreview } from './image-preview';
import { SelectionBar } from './selection-bar';

const TILE = 128;
const GAP = 8;

function Tile(props: {
  image: ImageRecord;
  selected: boolean;
  onToggle: (e: MouseEvent) => void;
  onOpen: () => void;
}) {
  const url = useBlobUrl('thumbnails', props.image.id);
  const label = props.image.name.split('/').pop() ?? props.image.name;
  return (
    <div className={`tile${props.selected ? ' selected' : ''}`} data-testid="image-tile" data-name={props.image.name}>
      <button type="button" className="tile-open" onClick={props.onOpen} aria-label={`Preview ${label}`}>
        {url ? <img src={url} alt="" draggable={false} /> : <span className="tile-loading" aria-hidden="true" />}
      </button>
      {props.image.split && (
        <span className="tile-badge" title={props.image.split === 'val' ? 'Used for validation, not training' : 'Test image: never trained on or used to choose anything'}>
          {props.image.split}
        </span>
      )}
      <label className="tile-check" title="Select">
        <input type="checkbox" checked={props.selected} onChange={() => undefined} onClick={props.onToggle} aria-label={`Select ${label}`} />
      </label>
    </div>
  );
}

export function ImageGrid(props: { images: ImageRecord[] }) {
  const { images } = props;
  const selection = useStudio((s) => s.selection);
  const setSelection = useStudio((s) => s.setSelection);
  const selected = useMemo(() => new Set(selection), [selection]);
  const scrollRef = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(800);
  const [previewIndex, setPreviewIndex] = useState<number | null>(null);
  const anchor = useRef<number | null>(null);

  useEffect(() => {
    const el = scrollRef.current;
    if (!el) return;
    const ro = new ResizeObserver(([entry]) => setWidth(entry.contentRect.width));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  const columns = Math.max(1, Math.floor((width + GAP) / (TILE + GAP)));
  const rows = Math.ceil(images.length / columns);
  const virtualizer = useVirtualizer({
    count: rows,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => TILE + GAP,
    overscan: 4,
  });

  const toggle = (index: number, e: MouseEvent) => {
    const id = images[index].id;
    if (e.shiftKey && anchor.current != null) {
      const [a, b] = [Math.min(anchor.current, index), Math.max(anchor.current, index)];
      const next = new Set(selected);
      for (let i = a; i <= b; i++) next.add(images[i].id);
      setSelection([...next]);
    } else {
      setSelection(selected.has(id) ? selection.filter((s) => s !== id) : [...selection, id]);
      anchor.current = index;
    }
  };

  return (
    <div className="grid-wrap">
      <SelectionBar images={images} />
      <div ref={scrollRef} className="grid-scroll" data-testid="grid-scroll" tabIndex={-1}>
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }} role="list" aria-label="Images">
          {virtualizer.getVirtualItems().map((row) => (
            <div
              key={row.key}
              className="grid-row"
              role="presentation"
              style={{ transform: `translateY(${row.start}px)`, gridTemplateColumns: `repeat(${columns}, ${TILE}px)`, gap: GAP }}
            >
              {images.slice(row.index * columns, row.index * columns + columns).map((img, j) => {
                const index = row.index * columns + j;
                return (
                  <div role="listitem" key={img.id}>
                    <Tile image={img} selected={selected.has(img.id)} onToggle={(e) => toggle(index, e)} onOpen={() => setPreviewIndex(index)} />
                  </div>
                );
              })}
            </div>
          ))}
        </div>
      </div>
      <ImagePreview images={images} index={previewIndex} onIndex={setPreviewIndex} />
    </div>
  );
}
