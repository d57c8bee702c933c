// The slice-creator type every slice of the studio store uses.
import type { StateCreator } from 'zustand';
import type { StudioState } from './studio-store';

export type Slice<T> = StateCreator<StudioState, [], [], T>;

export { errorText } from '../core/error-text';
