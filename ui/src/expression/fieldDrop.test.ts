import { describe, expect, it } from "vitest";
import { carriesField, droppedField, FIELD_DRAG_TYPE, fieldInsertion, startFieldDrag, withDroppedField } from "./fieldDrop";

/** `source` with the drop applied at the `‸`, and the cursor after it marked the same way. */
const drop = (marked: string, name: string) => {
  const source = marked.replace("‸", "");
  const { from, insert, cursor } = fieldInsertion(source, marked.indexOf("‸"), name);
  const next = source.slice(0, from) + insert + source.slice(from);
  return next.slice(0, cursor) + "‸" + next.slice(cursor);
};

describe("fieldInsertion", () => {
  it("inserts the reference where it is dropped, spaced from its neighbours", () => {
    expect(drop("‸", "amount")).toBe("amount‸");
    expect(drop("first_name ~ ' ' ~ ‸", "last_name")).toBe("first_name ~ ' ' ~ last_name‸");
    expect(drop("first_name ~‸", "last_name")).toBe("first_name ~ last_name‸");
    expect(drop("‸== 'x'", "status")).toBe("status‸ == 'x'");
    expect(drop("f(a,‸)", "amount")).toBe("f(a, amount‸)");
    expect(drop("(‸)", "amount")).toBe("(amount‸)");
  });

  it("quotes awkward names through record[…]", () => {
    expect(drop("‸", "first name")).toBe('record["first name"]‸');
  });

  it("does not split the word it lands in", () => {
    expect(drop("sta‸tus", "amount")).toBe("status amount‸");
  });
});

describe("withDroppedField", () => {
  it("adds a set row computing the field from itself", () => {
    expect(withDroppedField("expression-map", { full_name: "a ~ b" }, "first name")).toEqual({
      full_name: "a ~ b",
      "first name": 'record["first name"]',
    });
    expect(withDroppedField("expression-map", undefined, "amount")).toEqual({ amount: "amount" });
  });

  it("adds a rename row to fill in, and a name to a list, once", () => {
    expect(withDroppedField("map", {}, "email")).toEqual({ email: "" });
    expect(withDroppedField("list", ["id"], "email")).toEqual(["id", "email"]);
    const existing = ["id", "email"];
    expect(withDroppedField("list", existing, "email")).toBe(existing);
    const set = { email: "email | lower" };
    expect(withDroppedField("expression-map", set, "email")).toBe(set);
  });
});

describe("drag data", () => {
  it("carries the name as a field and as plain text", () => {
    const data = new Map<string, string>();
    const transfer = {
      setData: (type: string, value: string) => data.set(type, value),
      getData: (type: string) => data.get(type) ?? "",
      get types() {
        return [...data.keys()];
      },
      effectAllowed: "all",
    } as unknown as DataTransfer;
    startFieldDrag(transfer, "first name");
    expect(data.get(FIELD_DRAG_TYPE)).toBe("first name");
    expect(data.get("text/plain")).toBe("first name");
    expect(carriesField(transfer)).toBe(true);
    expect(droppedField(transfer)).toBe("first name");
    expect(droppedField(null)).toBeNull();
  });
});
