// The one zustand store, built from typed slices. Components read through narrow selectors;
// actions call the repository modules and then refresh what they changed.
import { create } from 'zustand';
import { createProjectsSlice, type ProjectsSlice } from './projects-slice';
import { createDatasetSlice, type DatasetSlice } from './dataset-slice';
import { createImportSlice, type ImportSlice } from './import-slice';
import { createUiSlice, type UiSlice } from './ui-slice';
import { createTrainingSlice, type TrainingSlice } from './training-slice';
import { createLeakageSlice, type LeakageSlice } from './leakage-slice';
import { createModelSlice, type ModelSlice } from './model-slice';

export type StudioState = ProjectsSlice & DatasetSlice & ImportSlice & UiSlice & TrainingSlice & LeakageSlice & ModelSlice;

export const useStudio = create<StudioState>()((...a) => ({
  ...createProjectsSlice(...a),
  ...createDatasetSlice(...a),
  ...createImportSlice(...a),
  ...createUiSlice(...a),
  ...createTrainingSlice(...a),
  ...createLeakageSlice(...a),
  ...createModelSlice(...a),
}));
