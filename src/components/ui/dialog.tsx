// A modal dialog on the native <dialog> element: focus trapping, Escape and a labelled title.
import { useEffect, useId, useRef, type ReactNode } from 'react';

export function Dialog(props: {
  open: boolean;
  title: string;
  onClose: () => void;
  children: ReactNode;
  wide?: boolean;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (props.open && !d.open) {
      d.showModal();
      // showModal focuses the first control (the close button); start in the form instead.
      d.querySelector<HTMLElement>('[data-autofocus], input, select, textarea')?.focus();
    }
    if (!props.open && d.open) d.close();
  }, [props.open]);
  return (
    <dialog
      ref={ref}
      className={props.wide ? 'dialog dialog-wide' : 'dialog'}
      aria-labelledby={titleId}
      onCancel={(e) => {
        e.preventDefault();
        props.onClose();
      }}
    >
      {props.open && (
        <>
          <header className="dialog-head">
            <h2 id={titleId}>{props.title}</h2>
            <button type="button" className="icon-btn" aria-label="Close" onClick={props.onClose}>
              ×
            </button>
          </header>
          <div className="dialog-body">{props.children}</div>
        </>
      )}
    </dialog>
  );
}

/** Asks before something that cannot be undone. */
export function ConfirmDialog(props: {
  open: boolean;
  title: string;
  message: ReactNode;
  confirmLabel: string;
  danger?: boolean;
  onConfirm: () => void;
  onClose: () => void;
}) {
  return (
    <Dialog open={props.open} title={props.title} onClose={props.onClose}>
      <div className="confirm-message">{props.message}</div>
      <div className="dialog-actions">
        <button type="button" onClick={props.onClose}>
          Cancel
        </button>
        <button
          type="button"
          className={props.danger ? 'danger' : 'primary'}
          onClick={() => {
            props.onConfirm();
            props.onClose();
          }}
        >
          {props.confirmLabel}
        </button>
      </div>
    </Dialog>
  );
}

/** Asks for a name (new project, rename, new class). */
export function NameDialog(props: {
  open: boolean;
  title: string;
  label: string;
  initial?: string;
  submitLabel: string;
  onSubmit: (name: string) => void | Promise<unknown>;
  onClose: () => void;
}) {
  const inputId = useId();
  return (
    <Dialog open={props.open} title={props.title} onClose={props.onClose}>
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          const v = new FormData(e.currentTarget).get('name');
          const name = typeof v === 'string' ? v.trim() : '';
          if (!name) return;
          await props.onSubmit(name);
          props.onClose();
        }}
      >
        <label htmlFor={inputId}>{props.label}</label>
        <input id={inputId} name="name" defaultValue={props.initial ?? ''} autoFocus required maxLength={120} />
        <div className="dialog-actions">
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
          <button type="submit" className="primary">
            {props.submitLabel}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
