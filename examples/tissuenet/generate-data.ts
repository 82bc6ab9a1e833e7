import { csv, pgmImage, seededRandom, writeDatasetFile } from '../lib/synthetic.ts';

/**
 * Synthetic TissueNet: small greyscale "slides" whose mean intensity rises with the lesion class
 * (0 benign … 3 invasive). Same file layout and CSV contracts as the DrivenData challenge.
 */
const CLASSES = [0, 1, 2, 3] as const;
const SIZE = 24;

interface Slide {
  filename: string;
  label: number;
  image: Uint8Array;
}

function makeSlides(prefix: string, count: number, seed: number): Slide[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, (_, index) => {
    const label = Math.min(3, Math.floor(random() * 4));
    const base = 40 + label * 50;
    const noise = () => (random() - 0.5) * 70;
    return {
      filename: `${prefix}_${String(index).padStart(4, '0')}.pgm`,
      label,
      image: pgmImage(SIZE, SIZE, () => base + noise()),
    };
  });
}

const oneHot = (label: number) => CLASSES.map((c) => (c === label ? 1 : 0));

async function writeInputs(root: string, slides: Slide[]): Promise<void> {
  for (const slide of slides) await writeDatasetFile(root, slide.filename, slide.image);
  await writeDatasetFile(root, 'test_metadata.csv', csv(['filename', 'width', 'height'], slides.map((s) => [s.filename, SIZE, SIZE])));
  await writeDatasetFile(root, 'submission_format.csv', csv(['filename', '0', '1', '2', '3'], slides.map((s) => [s.filename, 0, 0, 0, 0])));
}

/** Writes `<outDir>/<datasetId>/…` for every dataset the challenge file declares. */
export async function generate(outDir: string): Promise<void> {
  const train = makeSlides('train', 120, 1);
  for (const slide of train) await writeDatasetFile(`${outDir}/train`, slide.filename, slide.image);
  await writeDatasetFile(`${outDir}/train`, 'train_metadata.csv', csv(['filename', 'width', 'height'], train.map((s) => [s.filename, SIZE, SIZE])));
  await writeDatasetFile(`${outDir}/train`, 'train_labels.csv', csv(['filename', '0', '1', '2', '3'], train.map((s) => [s.filename, ...oneHot(s.label)])));

  const smoke = makeSlides('smoke', 8, 2);
  await writeInputs(`${outDir}/smoke/inputs`, smoke);
  await writeDatasetFile(`${outDir}/smoke`, 'labels.csv', csv(['filename', '0', '1', '2', '3'], smoke.map((s) => [s.filename, ...oneHot(s.label)])));

  for (const [datasetId, seed] of [['test', 3], ['final', 4]] as const) {
    const slides = makeSlides(datasetId, 200, seed);
    await writeInputs(`${outDir}/${datasetId}/inputs`, slides);
    const usage = (index: number) => (index % 3 === 0 ? 'public' : 'private');
    await writeDatasetFile(
      `${outDir}/${datasetId}`,
      'labels.csv',
      csv(['filename', '0', '1', '2', '3', 'usage'], slides.map((s, index) => [s.filename, ...oneHot(s.label), usage(index)])),
    );
  }
}
