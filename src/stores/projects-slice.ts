// The home view's list of projects and the actions on whole projects.
import { getDb } from '../persistence/connection';
import * as repo from '../persistence/projects-repo';
import type { ProjectRecord } from '../persistence/db';
import { errorText, type Slice } from './slice';

export interface ProjectSummary extends ProjectRecord {
  classCount: number;
}

export interface ProjectsSlice {
  projects: ProjectSummary[];
  projectsLoaded: boolean;
  loadProjects: () => Promise<void>;
  createProject: (name: string) => Promise<string | null>;
  renameProject: (id: string, name: string) => Promise<boolean>;
  duplicateProject: (id: string) => Promise<void>;
  deleteProject: (id: string) => Promise<void>;
  busyProjectId: string | null;
}

export const createProjectsSlice: Slice<ProjectsSlice> = (set, get) => ({
  projects: [],
  projectsLoaded: false,
  busyProjectId: null,
  loadProjects: async () => {
    const db = await getDb();
    const list = await repo.listProjects(db);
    const counts = await Promise.all(list.map((p) => db.countFromIndex('classes', 'by-project', p.id)));
    set({ projects: list.map((p, i) => ({ ...p, classCount: counts[i] })), projectsLoaded: true });
  },
  createProject: async (name) => {
    try {
      const p = await repo.createProject(await getDb(), name);
      await get().loadProjects();
      return p.id;
    } catch (e) {
      get().notify('error', errorText(e));
      return null;
    }
  },
  renameProject: async (id, name) => {
    try {
      await repo.renameProject(await getDb(), id, name);
      await get().loadProjects();
      if (get().project?.id === id) await get().refreshDataset();
      return true;
    } catch (e) {
      get().notify('error', errorText(e));
      return false;
    }
  },
  duplicateProject: async (id) => {
    set({ busyProjectId: id });
    try {
      const copy = await repo.duplicateProject(await getDb(), id);
      get().notify('info', `Duplicated as "${copy.name}".`);
    } catch (e) {
      get().notify('error', `Could not duplicate: ${errorText(e)}`);
    } finally {
      set({ busyProjectId: null });
      await get().loadProjects();
      await get().refreshStorage();
    }
  },
  deleteProject: async (id) => {
    set({ busyProjectId: id });
    try {
      await repo.deleteProject(await getDb(), id);
    } catch (e) {
      get().notify('error', `Could not delete: ${errorText(e)}`);
    } finally {
      set({ busyProjectId: null });
      await get().loadProjects();
      await get().refreshStorage();
    }
  },
});
