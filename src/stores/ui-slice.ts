// Notices shown to the user, and storage use (navigator.storage) for the header meter.
import { estimateStorage, isPersisted, requestPersistence } from '../persistence/storage';
import type { Slice } from './slice';

export interface Notice {
  id: number;
  kind: 'error' | 'info';
  text: string;
}

export interface UiSlice {
  notices: Notice[];
  notify: (kind: Notice['kind'], text: string) => void;
  dismissNotice: (id: number) => void;
  storage: { usage: number; quota: number } | null;
  persisted: boolean | null;
  refreshStorage: () => Promise<void>;
  askPersistence: () => Promise<void>;
}

let noticeId = 1;

export const createUiSlice: Slice<UiSlice> = (set, get) => ({
  notices: [],
  notify: (kind, text) => {
    const id = noticeId++;
    set((s) => ({ notices: [...s.notices.slice(-3), { id, kind, text }] }));
    if (kind === 'info') setTimeout(() => get().dismissNotice(id), 6000);
  },
  dismissNotice: (id) => set((s) => ({ notices: s.notices.filter((n) => n.id !== id) })),
  storage: null,
  persisted: null,
  refreshStorage: async () => {
    const [storage, persisted] = await Promise.all([estimateStorage(), isPersisted()]);
    set({ storage, persisted });
  },
  askPersistence: async () => {
    const granted = await requestPersistence();
    set({ persisted: granted });
    if (granted === false) {
      get().notify('info', 'The browser did not grant persistent storage yet; it may after you use the studio more.');
    }
  },
});
