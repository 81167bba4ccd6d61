"""Re-creations of the request patterns of the v1.3 example scripts from the community article
"Using Python 3 with the Anaplan API" (api-notes §5, §3.3).

Written from the article's description of what those scripts send and read, not copied: each
module mirrors one script (getWorkspaces, getModels, getFiles, chunkUpload, Import, importStatus,
Export, Process, processStatus, downloadFile, deleteFile) as a plain httpx2 request sequence. Like
the originals they authenticate on every request (Basic or AnaplanCertificate), hard-code nothing
but the host (passed in here), index the bare v1.3 JSON directly (`x['taskId']`, `f['id']`,
`ws['guid']`) and so break loudly if the emulator wraps anything in a v2 envelope.
"""
