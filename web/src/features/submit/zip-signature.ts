/**
 * Whether a file's bytes are a zip archive: it starts with a local file header, `PK\x03\x04`
 * (APPNOTE.TXT 4.3.7). The name says nothing of the bytes: a renamed .tar.gz or a bare main.py is
 * refused here, at once, rather than by the pipeline minutes later.
 */
export async function isZipArchive(file: Blob): Promise<boolean> {
  const head = new Uint8Array(await file.slice(0, 4).arrayBuffer());
  return head.length === 4 && head[0] === 0x50 && head[1] === 0x4b && head[2] === 0x03 && head[3] === 0x04;
}
