import { csv, pgmImage, seededRandom, writeDatasetFile } from '../lib/synthetic.ts';

/**
 * Synthetic VisioMel: clinical metadata plus a thumbnail per slide; relapse probability follows a
 * logistic model of age, melanoma history and ulceration, so a simple baseline beats chance.
 */
interface Case {
  filename: string;
  age: number;
  sex: number;
  bodySite: string;
  melanomaHistory: number;
  ulceration: number;
  relapse: number;
  image: Uint8Array;
}

const SITES = ['trunk', 'leg', 'arm', 'head', 'hand'];

function makeCases(prefix: string, count: number, seed: number): Case[] {
  const random = seededRandom(seed);
  return Array.from({ length: count }, (_, index) => {
    const age = 25 + Math.floor(random() * 60);
    const melanomaHistory = random() < 0.2 ? 1 : 0;
    const ulceration = random() < 0.3 ? 1 : 0;
    const logit = -3 + 0.03 * (age - 50) + 1.2 * melanomaHistory + 1.5 * ulceration;
    const relapse = random() < 1 / (1 + Math.exp(-logit)) ? 1 : 0;
    return {
      filename: `${prefix}_${String(index).padStart(4, '0')}.pgm`,
      age,
      sex: random() < 0.5 ? 1 : 2,
      bodySite: SITES[Math.floor(random() * SITES.length)]!,
      melanomaHistory,
      ulceration,
      relapse,
      image: pgmImage(16, 16, () => 90 + ulceration * 60 + (random() - 0.5) * 40),
    };
  });
}

const metadataHeader = ['filename', 'age', 'sex', 'body_site', 'melanoma_history', 'ulceration'];
const metadataRow = (c: Case) => [c.filename, c.age, c.sex, c.bodySite, c.melanomaHistory, c.ulceration];

async function writeInputs(root: string, cases: Case[]): Promise<void> {
  for (const c of cases) await writeDatasetFile(root, c.filename, c.image);
  await writeDatasetFile(root, 'test_metadata.csv', csv(metadataHeader, cases.map(metadataRow)));
  await writeDatasetFile(
    root,
    'submission_format.csv',
    csv(
      ['filename', 'relapse'],
      cases.map((c) => [c.filename, '0.0']),
    ),
  );
}

export async function generate(outDir: string): Promise<void> {
  const train = makeCases('train', 150, 11);
  for (const c of train) await writeDatasetFile(`${outDir}/train`, c.filename, c.image);
  await writeDatasetFile(`${outDir}/train`, 'train_metadata.csv', csv(metadataHeader, train.map(metadataRow)));
  await writeDatasetFile(
    `${outDir}/train`,
    'train_labels.csv',
    csv(
      ['filename', 'relapse'],
      train.map((c) => [c.filename, c.relapse]),
    ),
  );

  const smoke = makeCases('smoke', 8, 12);
  await writeInputs(`${outDir}/smoke/inputs`, smoke);
  await writeDatasetFile(
    `${outDir}/smoke`,
    'labels.csv',
    csv(
      ['filename', 'relapse'],
      smoke.map((c) => [c.filename, c.relapse]),
    ),
  );

  for (const [datasetId, seed] of [
    ['test', 13],
    ['final', 14],
  ] as const) {
    const cases = makeCases(datasetId, 200, seed);
    await writeInputs(`${outDir}/${datasetId}/inputs`, cases);
    await writeDatasetFile(
      `${outDir}/${datasetId}`,
      'labels.csv',
      csv(
        ['filename', 'relapse', 'usage'],
        cases.map((c, index) => [c.filename, c.relapse, index % 3 === 0 ? 'public' : 'private']),
      ),
    );
  }
}
