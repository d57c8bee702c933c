// The open project: its classes, image records, the class shown in the grid and the selection.
import { getDb } from '../persistence/connection';
import * as classesRepo from '../persistence/classes-repo';
import * as imagesRepo from '../persistence/images-repo';
import { getProject, setTrainingSize } from '../persistence/projects-repo';
import type { ClassRecord, ImageRecord, ProjectRecord } from '../persistence/db';
import { errorText, type Slice } from './slice';

export interface DatasetSlice {
  project: ProjectRecord | null;
  projectMissing: boolean;
  classes: ClassRecord[];
  images: ImageRecord[];
  activeClassId: string | null;
  selection: string[];
  openProject: (id: string) => Promise<void>;
  closeProject: () => void;
  refreshDataset: () => Promise<void>;
  setActiveClass: (id: string | null) => void;
  setSelection: (ids: string[]) => void;
  addClass: (name: string) => Promise<boolean>;
  renameClass: (id: string, name: string) => Promise<boolean>;
  deleteClass: (id: string) => Promise<void>;
  moveClass: (id: string, delta: -1 | 1) => Promise<void>;
  mergeClasses: (targetId: string, sourceIds: string[]) => Promise<void>;
  moveImages: (ids: string[], toClassId: string) => Promise<void>;
  deleteImages: (ids: string[]) => Promise<void>;
  setTrainingSize: (size: number) => Promise<void>;
  markValidation: (ids: string[], val: boolean) => Promise<void>;
  /** Marks images for the test set (`true`) or hands them back to the split. */
  markTest: (ids: string[], test: boolean) => Promise<void>;
}

export const createDatasetSlice: Slice<DatasetSlice> = (set, get) => {
  /** Runs a repository action, reports failures, and reloads the project afterwards. */
  const act = async (what: string, fn: () => Promise<unknown>): Promise<boolean> => {
    try {
      await fn();
      return true;
    } catch (e) {
      get().notify('error', `${what}: ${errorText(e)}`);
      return false;
    } finally {
      await get().refreshDataset();
    }
  };

  return {
    project: null,
    projectMissing: false,
    classes: [],
    images: [],
    activeClassId: null,
    selection: [],
    openProject: async (id) => {
      if (get().project?.id !== id) {
        set({ project: null, classes: [], images: [], activeClassId: null, selection: [], projectMissing: false });
      }
      const db = await getDb();
      const project = await getProject(db, id);
      if (!project) {
        set({ projectMissing: true, project: null });
        return;
      }
      set({ project, projectMissing: false });
      await get().refreshDataset();
    },
    closeProject: () => set({ project: null, classes: [], images: [], activeClassId: null, selection: [] }),
    refreshDataset: async () => {
      const id = get().project?.id;
      if (!id) return;
      const db = await getDb();
      const [project, classes, images] = await Promise.all([
        getProject(db, id),
        classesRepo.listClasses(db, id),
        imagesRepo.listImages(db, id),
      ]);
      if (!project) {
        set({ projectMissing: true, project: null });
        return;
      }
      const active = get().activeClassId;
      const activeClassId = classes.some((c) => c.id === active) ? active : (classes[0]?.id ?? null);
      const ids = new Set(images.map((i) => i.id));
      set({ project, classes, images, activeClassId, selection: get().selection.filter((s) => ids.has(s)) });
    },
    setActiveClass: (id) => set({ activeClassId: id, selection: [] }),
    setSelection: (ids) => set({ selection: ids }),
    addClass: async (name) => {
      const pid = get().project?.id;
      if (!pid) return false;
      let created: ClassRecord | null = null;
      const ok = await act('Could not add the class', async () => {
        created = await classesRepo.addClass(await getDb(), pid, name);
      });
      if (created) set({ activeClassId: (created as ClassRecord).id });
      return ok;
    },
    renameClass: async (id, name) => act('Could not rename the class', async () => classesRepo.renameClass(await getDb(), id, name)),
    deleteClass: async (id) => {
      await act('Could not delete the class', async () => classesRepo.deleteClass(await getDb(), id));
      await get().refreshStorage();
    },
    moveClass: async (id, delta) => {
      const ids = get().classes.map((c) => c.id);
      const i = ids.indexOf(id);
      const j = i + delta;
      if (i < 0 || j < 0 || j >= ids.length) return;
      [ids[i], ids[j]] = [ids[j], ids[i]];
      const pid = get().project!.id;
      await act('Could not reorder', async () => classesRepo.reorderClasses(await getDb(), pid, ids));
    },
    mergeClasses: async (targetId, sourceIds) => {
      await act('Could not merge', async () => classesRepo.mergeClasses(await getDb(), targetId, sourceIds));
      set({ activeClassId: targetId });
    },
    moveImages: async (ids, toClassId) => {
      await act('Could not move images', async () => imagesRepo.moveImages(await getDb(), ids, toClassId));
      set({ selection: [] });
    },
    markValidation: async (ids, val) => {
      await act('Could not change the validation marks', async () => imagesRepo.setImageSplit(await getDb(), ids, val ? 'val' : null));
    },
    markTest: async (ids, test) => {
      await act('Could not change the test marks', async () => imagesRepo.setImageSplit(await getDb(), ids, test ? 'test' : null));
    },
    setTrainingSize: async (size) => {
      const pid = get().project?.id;
      if (pid) await act('Could not save the setting', async () => setTrainingSize(await getDb(), pid, size));
    },
    deleteImages: async (ids) => {
      await act('Could not delete images', async () => imagesRepo.deleteImages(await getDb(), ids));
      set({ selection: [] });
      await get().refreshStorage();
    },
  };
};
