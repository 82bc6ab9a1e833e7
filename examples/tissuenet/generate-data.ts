import { csv, pyramidalTiff, seededRandom, writeDatasetFile } from '../lib/synthetic.ts';

/**
 * Synthetic TissueNet: small pyramidal TIFF "slides" (two levels, tiled, like a whole-slide image)
 * of tissue dotted with dark nuclei. The lesion class (0 benign … 3 invasive) sets how many nuclei
 * there are; the stain's brightness varies from slide to slide and only loosely follows the class,
 * so a mean-intensity threshold (the baseline) gets most slides right and a model that sees the
 * nuclei (examples/tissuenet/submissions/pytorch-cnn) gets more. Same file layout and CSV contracts
 * as the DrivenData challenge.
 */
const CLASSES = [0, 1, 2, 3] as const;
export const SLIDE_SIZE = 48;
const NUCLEUS = 3;

interface Slide {
  filename: string;
  label: number;
  image: Uint8Array;
}

function makeSlide(random: () => number, label: number): Uint8Array {
  const background = 200 - label * 10 + (random() - 0.5) * 60;
  const nuclei = 4 + label * 6 + Math.floor(random() * 5);
  const dark = new Uint8Array(SLIDE_SIZE * SLIDE_SIZE);
  for (let n = 0; n < nuclei; n++) {
    const cx = Math.floor(random() * (SLIDE_SIZE - NUCLEUS));
    const cy = Math.floor(random() * (SLIDE_SIZE - NUCLEUS));
    for (let y = cy; y < cy + NUCLEUS; y++) for (let x = cx; x < cx + NUCLEUS; x++) dark[y * SLIDE_SIZE + x] = 1;
  }
  return pyramidalTiff(SLIDE_SIZE, SLIDE_SIZE, (x, y) => (dark[y * SLIDE_SIZE + x] ? background - 110 : background) + (random() - 0.5) * 30);
}

function makeSlides(prefix: string, count: number, seed: number): Slide[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, (_, index) => {
    const label = Math.min(3, Math.floor(random() * 4));
    return { filename: `${prefix}_${String(index).padStart(4, '0')}.tif`, label, image: makeSlide(random, label) };
  });
}

const oneHot = (label: number) => CLASSES.map((c) => (c === label ? 1 : 0));

async function writeInputs(root: string, slides: Slide[]): Promise<void> {
  for (const slide of slides) await writeDatasetFile(root, slide.filename, slide.image);
  const metadata = slides.map((s) => [s.filename, SLIDE_SIZE, SLIDE_SIZE]);
  await writeDatasetFile(root, 'test_metadata.csv', csv(['filename', 'width', 'height'], metadata));
  await writeDatasetFile(
    root,
    'submission_format.csv',
    csv(
      ['filename', '0', '1', '2', '3'],
      slides.map((s) => [s.filename, 0, 0, 0, 0]),
    ),
  );
}

/** Writes `<outDir>/<datasetId>/…` for every dataset the challenge file declares. */
export async function generate(outDir: string): Promise<void> {
  const train = makeSlides('train', 120, 1);
  for (const slide of train) await writeDatasetFile(`${outDir}/train`, slide.filename, slide.image);
  await writeDatasetFile(
    `${outDir}/train`,
    'train_metadata.csv',
    csv(
      ['filename', 'width', 'height'],
      train.map((s) => [s.filename, SLIDE_SIZE, SLIDE_SIZE]),
    ),
  );
  await writeDatasetFile(
    `${outDir}/train`,
    'train_labels.csv',
    csv(
      ['filename', '0', '1', '2', '3'],
      train.map((s) => [s.filename, ...oneHot(s.label)]),
    ),
  );

  const smoke = makeSlides('smoke', 8, 2);
  await writeInputs(`${outDir}/smoke/inputs`, smoke);
  await writeDatasetFile(
    `${outDir}/smoke`,
    'labels.csv',
    csv(
      ['filename', '0', '1', '2', '3'],
      smoke.map((s) => [s.filename, ...oneHot(s.label)]),
    ),
  );

  for (const [datasetId, seed] of [
    ['test', 3],
    ['final', 4],
  ] as const) {
    const slides = makeSlides(datasetId, 200, seed);
    await writeInputs(`${outDir}/${datasetId}/inputs`, slides);
    const usage = (index: number) => (index % 3 === 0 ? 'public' : 'private');
    await writeDatasetFile(
      `${outDir}/${datasetId}`,
      'labels.csv',
      csv(
        ['filename', '0', '1', '2', '3', 'usage'],
        slides.map((s, index) => [s.filename, ...oneHot(s.label), usage(index)]),
      ),
    );
  }
}
