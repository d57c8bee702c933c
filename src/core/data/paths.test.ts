// Checks path safety, hidden-file filtering and the folder-per-class rules.
import { describe, expect, it } from 'vitest';
import { assignClasses, findEmptyFolders, isIgnoredPath, normalizePath } from './paths';

const classesOf = (paths: string[], opts?: { defaultClass?: string }) =>
  Object.fromEntries(assignClasses(paths, opts).map((a) => [a.path, a.className]));

describe('normalizePath', () => {
  it.each([
    ['cats/1.jpg', 'cats/1.jpg'],
    ['./cats/1.jpg', 'cats/1.jpg'],
    ['././cats//./1.jpg', 'cats/1.jpg'],
    ['cats\\sub\\1.jpg', 'cats/sub/1.jpg'],
    ['cats/', 'cats'],
    ['été 😀 #1 (copy) & <b>.png', 'été 😀 #1 (copy) & <b>.png'],
    ['a..b/..c/d..', 'a..b/..c/d..'],
    ['weird:name.png', 'weird:name.png'],
  ])('%j -> %j', (input, out) => {
    expect(normalizePath(input)).toBe(out);
  });

  it.each([
    ['/etc/passwd'],
    ['\\\\server\\share\\x.png'],
    ['\\abs.png'],
    ['C:\\Users\\me\\x.png'],
    ['c:x.png'],
    ['../evil.png'],
    ['cats/../../evil.png'],
    ['cats\\..\\evil.png'],
    ['nul\0byte.png'],
    [''],
    ['./'],
  ])('%j is unsafe or empty', (input) => {
    expect(normalizePath(input)).toBeNull();
  });
});

describe('isIgnoredPath', () => {
  it.each([
    ['.DS_Store', true],
    ['cats/.DS_Store', true],
    ['.git/config', true],
    ['cats/.hidden/x.jpg', true],
    ['__MACOSX/cats/._1.jpg', true],
    ['root/__MACOSX/x.jpg', true],
    ['cats/Thumbs.db', true],
    ['cats/thumbs.DB', true],
    ['desktop.ini', true],
    ['cats\\.thumbs\\x.jpg', true],
    ['cats/1.jpg', false],
    ['cats/my.photo.jpg', false],
    ['__MACOSX_not/x.jpg', false],
    ['cats/Thumbs.db.jpg', false],
  ])('%j -> %s', (p, expected) => {
    expect(isIgnoredPath(p)).toBe(expected);
  });
});

describe('assignClasses', () => {
  it('uses the first folder as the class', () => {
    expect(classesOf(['cats/1.jpg', 'dogs/2.jpg', 'cats/3.jpg'])).toEqual({
      'cats/1.jpg': 'cats',
      'dogs/2.jpg': 'dogs',
      'cats/3.jpg': 'cats',
    });
  });

  it('strips one common root folder when there are subfolders below it', () => {
    expect(classesOf(['pets/cats/1.jpg', 'pets/dogs/2.jpg'])).toEqual({ 'pets/cats/1.jpg': 'cats', 'pets/dogs/2.jpg': 'dogs' });
    // Only one level is stripped, even when a second level is shared as well.
    expect(classesOf(['a/b/cats/1.jpg', 'a/b/dogs/2.jpg'])).toEqual({ 'a/b/cats/1.jpg': 'b', 'a/b/dogs/2.jpg': 'b' });
  });

  it('keeps a single dropped class folder (no subfolders) as the class', () => {
    expect(classesOf(['cats/1.jpg', 'cats/2.jpg'])).toEqual({ 'cats/1.jpg': 'cats', 'cats/2.jpg': 'cats' });
  });

  it('deeper nesting belongs to the first-level class', () => {
    expect(classesOf(['data/cats/indoor/night/1.jpg', 'data/dogs/2.jpg'])).toEqual({
      'data/cats/indoor/night/1.jpg': 'cats',
      'data/dogs/2.jpg': 'dogs',
    });
  });

  it('gives loose files the default class (or null)', () => {
    expect(classesOf(['a.jpg', 'cats/1.jpg'])).toEqual({ 'a.jpg': null, 'cats/1.jpg': 'cats' });
    expect(classesOf(['a.jpg', 'cats/1.jpg'], { defaultClass: 'Unsorted' })).toEqual({ 'a.jpg': 'Unsorted', 'cats/1.jpg': 'cats' });
    // A file directly inside the stripped root is loose too.
    expect(classesOf(['root/readme.jpg', 'root/cats/1.jpg'])).toEqual({ 'root/readme.jpg': null, 'root/cats/1.jpg': 'cats' });
  });

  it('ignores hidden, __MACOSX and unsafe paths, also when deciding the common root', () => {
    const result = classesOf([
      '__MACOSX/pets/cats/._1.jpg',
      'pets/.DS_Store',
      'pets/cats/1.jpg',
      'pets/dogs/2.jpg',
      '../pets/cats/evil.jpg',
      '/pets/cats/abs.jpg',
    ]);
    expect(result).toEqual({
      '__MACOSX/pets/cats/._1.jpg': null,
      'pets/.DS_Store': null,
      'pets/cats/1.jpg': 'cats',
      'pets/dogs/2.jpg': 'dogs',
      '../pets/cats/evil.jpg': null,
      '/pets/cats/abs.jpg': null,
    });
  });

  it('handles windows separators and keeps the original path in the result', () => {
    expect(assignClasses(['pets\\cats\\1.jpg', 'pets\\dogs\\2.jpg'])).toEqual([
      { path: 'pets\\cats\\1.jpg', className: 'cats' },
      { path: 'pets\\dogs\\2.jpg', className: 'dogs' },
    ]);
  });

  it('trims class names but keeps case, unicode and odd characters', () => {
    const odd = 'été 😀 #1 (copy) & <b>';
    expect(classesOf([`  ${odd} /été 😀 #1 (copy) & <b>.png`, 'Dogs/x.png', 'dogs/y.png'])).toEqual({
      [`  ${odd} /été 😀 #1 (copy) & <b>.png`]: odd,
      'Dogs/x.png': 'Dogs',
      'dogs/y.png': 'dogs',
    });
  });

  it('puts NFD (macOS) and NFC spellings of a name in the same class', () => {
    const nfd = 'e\u0301te\u0301'; // "été" decomposed
    const [a, b] = assignClasses([`${nfd}/1.jpg`, 'été/2.jpg']);
    expect(a.className).toBe('été');
    expect(b.className).toBe(a.className);
  });

  it('a blank folder name counts as no folder', () => {
    expect(classesOf(['   /1.jpg', 'cats/2.jpg'], { defaultClass: 'misc' })).toEqual({ '   /1.jpg': 'misc', 'cats/2.jpg': 'cats' });
  });

  it('handles an empty list', () => {
    expect(assignClasses([])).toEqual([]);
  });
});

describe('findEmptyFolders', () => {
  it('reports folders with no files anywhere below them', () => {
    const dirs = ['pets', 'pets/cats', 'pets/dogs', 'pets/birds', 'pets/birds/small', 'pets/fish/'];
    const files = ['pets/cats/1.jpg', 'pets/dogs/puppies/2.jpg', 'pets/fish/.DS_Store'];
    expect(findEmptyFolders(dirs, files)).toEqual(['pets/birds', 'pets/birds/small', 'pets/fish']);
  });

  it('does not report hidden, unsafe or duplicate folders, and matches windows separators', () => {
    expect(findEmptyFolders(['__MACOSX', '.git', '../up', 'a\\b', 'a/b/', 'c'], ['c\\x.jpg'])).toEqual(['a/b']);
  });

  it('a folder whose name prefixes a full folder is still empty', () => {
    expect(findEmptyFolders(['cat', 'cats'], ['cats/1.jpg'])).toEqual(['cat']);
  });
});
