// The feature store's name for an image's pixels, without tfjs, so the page can compute it too
// (features.ts re-exports it for the worker).

/**
 * What identifies an image's pixels for the feature store: its content hash and its training
 * copy's size and bytes (a remade copy at another training size gets new features).
 */
export function featureContentKey(image: { hash: string; width: number; height: number; trainingBytes: number }): string {
  return `${image.hash}:${image.width}x${image.height}:${image.trainingBytes}`;
}
