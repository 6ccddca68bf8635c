// Writing output files so that a reader never sees half a file, and so that a path the user gave
// is written, never replaced by something else.
//
// A path that names a regular file, or nothing yet, is written by temporary file and rename: the
// content goes to a temporary file in the same folder, is flushed and fsynced, and is renamed over
// the target (rename is atomic on POSIX file systems within one folder). Anything else the user
// named is written in place, through the path, because renaming over it would destroy it: a device
// (/dev/null, /dev/stdout), a FIFO or a symlink (the file it points to is written; the link stays
// a link). A folder is refused. Every failed write (a full disk, a full device) is an error.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sharesim/sim/result.h"

namespace sharesim::sim {

// Creates missing parent folders. On failure a regular target is left as it was.
Status write_file_atomically(const std::string& path, std::string_view content);

struct FileToWrite {
  std::string path;
  std::string_view content;
};

// One command's outputs as one unit: every regular file is first written to its temporary file,
// then the files written in place, and only when all of that succeeded are the temporary files
// renamed into place. So a failure part-way (a full disk after the first file) leaves every
// regular target as it was, never a new results.json beside an old report.html. (A target written
// in place cannot be rolled back; it is written before any rename, so a failure there also leaves
// the regular targets untouched.)
Status write_files_together(std::span<const FileToWrite> files);

// A folder that one command's outputs replace as a whole (a plan's deploy/): afterwards it holds
// exactly `files` (paths relative to it), nothing an earlier run left there. With no files, the
// folder is removed.
struct FolderToWrite {
  std::string path;
  std::vector<FileToWrite> files;
};

// The same unit with folders: each folder's new content is written into a fresh temporary folder
// beside it (FOLDER.tmp-XXXXXX) before any rename; then each folder is swapped with its new
// content in one step (renameat2 RENAME_EXCHANGE; two renames where the file system lacks it),
// the files are renamed into place, and the old folders are removed. A failure before the renames
// leaves every target, folders included, as it was, and no temporary file or folder. A folder that
// is a symlink is resolved: the folder it points to is replaced, the link stays.
Status write_files_together(std::span<const FileToWrite> files, std::span<const FolderToWrite> folders);

// True when both paths name the same file: the same existing file (also through links), or the
// same path once made absolute and normalised.
bool same_file(const std::string& a, const std::string& b);

}  // namespace sharesim::sim
