import { toBinary, type DescEnum, type DescExtension, type DescFile, type DescMessage, type DescService } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";

/**
 * What server reflection can tell about a set of services: the files that declare them and every file
 * those import (google/protobuf/struct.proto and the like), indexed by file name, by fully qualified
 * symbol and by extension. Built from the descriptors protobuf-es embeds in generated code, so a
 * running gateway describes itself with no schema on disk.
 */
export class DescriptorIndex {
  /** Fully qualified, sorted. */
  readonly serviceNames: readonly string[];
  readonly #files = new Map<string, DescFile>();
  readonly #fileBySymbol = new Map<string, DescFile>();
  readonly #messageTypes = new Set<string>();
  /** By extendee type name, then field number. */
  readonly #extensions = new Map<string, Map<number, DescExtension>>();

  constructor(services: Iterable<DescService>) {
    const names = new Set<string>();
    for (const service of services) {
      names.add(service.typeName);
      this.#addFile(service.file);
    }
    this.serviceNames = [...names].sort();
  }

  /** By the name it was compiled as, e.g. "tensorwall/v1/chat.proto". */
  fileByName(name: string): DescFile | undefined {
    return this.#files.get(name);
  }

  /**
   * The file declaring a message, field, oneof, enum, enum value, service, method or extension, by its
   * fully qualified name without a leading dot ("tensorwall.v1.ChatService.ListModels").
   */
  fileContainingSymbol(symbol: string): DescFile | undefined {
    return this.#fileBySymbol.get(symbol);
  }

  fileContainingExtension(extendee: string, fieldNumber: number): DescFile | undefined {
    return this.#extensions.get(extendee)?.get(fieldNumber)?.file;
  }

  /** The field numbers of the known extensions of a message type; undefined if the type is unknown. */
  extensionNumbers(messageType: string): number[] | undefined {
    if (!this.#messageTypes.has(messageType)) return undefined;
    return [...(this.#extensions.get(messageType)?.keys() ?? [])].sort((a, b) => a - b);
  }

  /**
   * `file` serialized as a FileDescriptorProto, followed by each file it imports, directly or not,
   * that is not in `alreadySent`. Reflection may leave out what the stream has sent before; the file
   * asked for is sent every time. Adds what it returns to `alreadySent`.
   */
  serializeWithImports(file: DescFile, alreadySent: Set<string>): Uint8Array[] {
    const serialized: Uint8Array[] = [];
    const queue = [file];
    const queued = new Set([file.proto.name]);
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      if (next === file || !alreadySent.has(next.proto.name)) {
        serialized.push(toBinary(FileDescriptorProtoSchema, next.proto));
        alreadySent.add(next.proto.name);
      }
      for (const dependency of next.dependencies) {
        if (queued.has(dependency.proto.name)) continue;
        queued.add(dependency.proto.name);
        queue.push(dependency);
      }
    }
    return serialized;
  }

  #addFile(file: DescFile): void {
    if (this.#files.has(file.proto.name)) return;
    this.#files.set(file.proto.name, file);
    for (const message of file.messages) this.#addMessage(message);
    for (const enumeration of file.enums) this.#addEnum(enumeration);
    for (const extension of file.extensions) this.#addExtension(extension);
    for (const service of file.services) {
      this.#fileBySymbol.set(service.typeName, file);
      for (const method of service.methods) this.#fileBySymbol.set(`${service.typeName}.${method.name}`, file);
    }
    for (const dependency of file.dependencies) this.#addFile(dependency);
  }

  #addMessage(message: DescMessage): void {
    this.#messageTypes.add(message.typeName);
    this.#fileBySymbol.set(message.typeName, message.file);
    for (const member of message.members) this.#fileBySymbol.set(`${message.typeName}.${member.name}`, message.file);
    for (const nested of message.nestedMessages) this.#addMessage(nested);
    for (const nested of message.nestedEnums) this.#addEnum(nested);
    for (const nested of message.nestedExtensions) this.#addExtension(nested);
  }

  #addEnum(enumeration: DescEnum): void {
    this.#fileBySymbol.set(enumeration.typeName, enumeration.file);
    // Protobuf scopes enum values like C++: as siblings of their enum, not children of it.
    const scope = enumeration.typeName.slice(0, enumeration.typeName.length - enumeration.name.length);
    for (const value of enumeration.values) this.#fileBySymbol.set(`${scope}${value.name}`, enumeration.file);
  }

  #addExtension(extension: DescExtension): void {
    this.#fileBySymbol.set(extension.typeName, extension.file);
    const byNumber = this.#extensions.get(extension.extendee.typeName) ?? new Map<number, DescExtension>();
    this.#extensions.set(extension.extendee.typeName, byNumber.set(extension.number, extension));
  }
}
