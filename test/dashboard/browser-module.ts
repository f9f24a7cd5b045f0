/** Imports one of the dashboard's browser modules (text served to the browser) into the test, as the browser would. */
export async function importBrowserModule<T>(source: string): Promise<T> {
  return (await import(/* @vite-ignore */ `data:text/javascript;base64,${Buffer.from(source).toString("base64")}`)) as T;
}
