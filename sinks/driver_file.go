package sinks

import _ "gocloud.dev/blob/fileblob" // file:// sink URLs, always built
