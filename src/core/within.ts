/** The promise's value, or `null` if it takes longer than `ms` (the promise itself runs on). */
export async function within<T>(promise: Promise<T>, ms: number): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<null>((resolve) => {
    timer = setTimeout(() => resolve(null), ms);
  });
  promise.catch(() => {}); // a late rejection is not unhandled
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}
