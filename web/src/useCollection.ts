import { useCallback, useEffect, useState } from "react";
import { ApiError, messageOf } from "./api";

interface Endpoints<T, B> {
  list: () => Promise<T[]>;
  create: (body: B) => Promise<T>;
  save: (id: number, body: B) => Promise<T>;
  remove: (id: number) => Promise<unknown>;
}

/** A list the operator edits through the API: loading, saving with field errors, deleting with a reason. */
export function useCollection<T extends { id: number; name: string }, B>(endpoints: Endpoints<T, B>) {
  const [items, setItems] = useState<T[]>([]);
  const [loaded, setLoaded] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [fields, setFields] = useState<Record<string, string>>({});
  const { list, create, save, remove } = endpoints;

  const reload = useCallback(() => {
    list().then((result) => {
      setItems(result);
      setLoaded(true);
    }, (e: unknown) => setError(messageOf(e)));
  }, [list]);
  useEffect(reload, [reload]);

  /** Creates (id null) or updates; true when saved. Field problems land in `fields` under the API's names. */
  const submit = async (id: number | null, body: B): Promise<boolean> => {
    setError(null);
    setNotice(null);
    setFields({});
    try {
      const result = id === null ? await create(body) : await save(id, body);
      setNotice(`Saved “${result.name}”.`);
      reload();
      return true;
    } catch (e) {
      setFields(e instanceof ApiError ? e.fields : {});
      setError(`Nothing saved: ${messageOf(e)}`);
      return false;
    }
  };

  const destroy = async (item: T, question: string): Promise<void> => {
    if (!window.confirm(question)) return;
    setError(null);
    setNotice(null);
    try {
      await remove(item.id);
      setNotice(`Deleted “${item.name}”.`);
      reload();
    } catch (e) {
      setError(messageOf(e));
    }
  };

  const clearMessages = () => {
    setError(null);
    setFields({});
  };

  return { items, loaded, error, notice, fields, submit, destroy, clearMessages };
}
